"""A hand-written, imbalanced labelled corpus in the minimal label format (docs/sape.md, "Label files").

Doctor sentences are ~88% Subjective (history taking), as measured on real clinical dialogue; the few
Assessment and Planning sentences are the minority classes. Sentences are written by hand (English and
Indonesian, as in Sehat's chats) and combined with a seeded generator, so the corpus is the same every run.

``sentence_labels(n)`` has only the required columns; ``consultation_labels(n)`` has two subcategory
columns, one of them all zero (one class), and lacks the others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SYMPTOMS = ["fever", "cough", "headache", "sore throat", "stomach ache", "diarrhoea", "rash", "back pain",
            "demam", "batuk", "pusing", "mual", "sesak napas", "nyeri dada", "pilek", "gatal"]
SUBJECTIVE = [
    "How long have you had the {s}", "Since when did the {s} start?", "Is the {s} worse at night?",
    "Sudah berapa hari {s}nya?", "Apakah {s} muncul setelah makan?", "Does anything make the {s} better?",
    "Have you had this {s} before", "Is there anyone at home with {s} too?", "Any {s} besides that?",
    "Seberapa parah {s}nya dari 1 sampai 10", "Apakah ada {s} di malam hari?", "Do you smoke or drink alcohol?",
    "Are you taking any medicine right now?", "Ada riwayat alergi obat?", "Have you measured your temperature?",
    "Where exactly is the {s}?", "Did the {s} come suddenly or slowly", "Is the {s} constant or does it come and go?",
    "Apakah sudah minum obat untuk {s}?", "Could you describe the {s} a bit more", "Okay, and the {s} since yesterday?",
    "I see, the {s} started three days ago.", "So the {s} gets worse when you lie down.",
    "Ada keluhan lain selain {s}?",
    # history taking that names diagnoses and drugs: the words of A and P sentences, asked as history
    "Have you ever been diagnosed with {d}?", "Pernah didiagnosis {d} sebelumnya?", "Did a doctor say it was {d}?",
    "Have you taken {m} before?", "Sudah pernah minum {m}?", "Did the {m} help with the {s}?",
    "Anyone in the family with {d}?", "Was the {s} like this when you had {d}?",
]
DIAGNOSES = ["a viral infection", "gastritis", "a tension headache", "allergic rhinitis", "a urinary tract infection",
             "dengue fever", "bronchitis", "food poisoning", "infeksi saluran napas atas", "maag", "migrain", "tifus"]
ASSESSMENT = [
    "From what you describe this looks like {d}.", "Kemungkinan besar ini {d}.", "I suspect {d}, but {d2} is possible.",
    "The most likely cause is {d}.", "Dari gejalanya, saya curiga {d}.", "This is probably {d} rather than {d2}.",
    "Diagnosis sementara saya {d}.", "It could be {d} caused by the weather.",
]
DRUGS = ["paracetamol 500 mg", "amoxicillin 500 mg", "omeprazole 20 mg", "cetirizine 10 mg", "ORS", "ibuprofen 400 mg"]
PLANNING = [
    "Please take {m} three times a day after meals.", "Saya resepkan {m}, diminum 2x sehari.",
    "Drink plenty of water and rest for two days.", "Kurangi makanan pedas dan berminyak ya.",
    "If the fever lasts more than three days please go to the nearest hospital.",
    "Take {m} for five days and finish it.", "Istirahat yang cukup dan minum air putih minimal 2 liter.",
    "Avoid cold drinks and use a mask when you go out.", "Silakan tebus resep {m} di apotek.",
]
PATIENT = ["yes doc", "iya dok", "about three days", "sudah 2 hari dok", "no, not really", "tidak dok",
           "it hurts a lot at night", "baik dok terima kasih", "I took paracetamol yesterday", "belum dok"]


def _fill(rng, template: str) -> str:
    d, d2 = rng.choice(DIAGNOSES, 2, replace=False)
    return template.format(s=rng.choice(SYMPTOMS), d=d, d2=d2, m=rng.choice(DRUGS))


def sentence_labels(n_consultations: int = 120, seed: int = 0, minority_share: float = 0.12,
                    label_noise: float = 0.25, assessment_share: float | None = None) -> pd.DataFrame:
    """Required columns only: consultation_id, message_id, sentence_index, speaker, sentence, category.

    ``minority_share``: share of doctor sentences written as A or P, ``assessment_share`` of them A (default
    half). ``label_noise``: share of A and P sentences a labeller tagged S (they read like history taking).
    """
    assessment_share = minority_share / 2 if assessment_share is None else assessment_share
    rng = np.random.default_rng(seed)
    rows = []
    for cid in range(1, n_consultations + 1):
        message_id = cid * 1000
        for _ in range(rng.integers(10, 16)):
            u = rng.random()
            if u < assessment_share:
                category, sentence = "A", _fill(rng, rng.choice(ASSESSMENT))
            elif u < minority_share:
                category, sentence = "P", _fill(rng, rng.choice(PLANNING))
            else:
                category, sentence = "S", _fill(rng, rng.choice(SUBJECTIVE))
            if category != "S" and rng.random() < label_noise:
                category = "S"
            message_id += 1
            rows.append((cid, message_id, 0, "doctor", sentence, category))
            message_id += 1
            rows.append((cid, message_id, 0, "patient", str(rng.choice(PATIENT)), None))
    return pd.DataFrame(rows, columns=["consultation_id", "message_id", "sentence_index", "speaker", "sentence",
                                       "category"])


def consultation_labels(sentences: pd.DataFrame) -> pd.DataFrame:
    """Two subcategory columns: P's medical recommendation (0.5 when a drug is named), and an all-zero one."""
    doctor = sentences[sentences["speaker"] == "doctor"]
    drug = doctor.groupby("consultation_id")["sentence"].agg(
        lambda s: any(d.split()[0] in x.lower() for x in s for d in DRUGS))
    return pd.DataFrame({"consultation_id": drug.index, "p_medical_recommendation": np.where(drug, 0.5, 0.0),
                         "a_possible_etiology": 0.0})

