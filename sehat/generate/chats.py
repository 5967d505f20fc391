"""Doctor-patient chat transcripts for consultations.

A chat follows the SAPE shape (Subjective, Assessment, Planning, Etiquette) with
gaps that depend on the doctor's hidden quality: good doctors greet and close,
ask more follow-up questions, explain the diagnosis, spell out the plan and
answer faster. Text mixes Indonesian and English, questions come with and
without "?", and patients make typos. Kept in its own module so SAPE labels can
be added here later without touching the rest of the generator.
"""

from __future__ import annotations

import numpy as np

from sehat.generate.clinical import COMPLAINTS, DIAGNOSIS_BY_CODE, MEDICINES
from sehat.generate.prescriptions import Prescription

GREETINGS = (
    "Halo {p}, saya {d}. Ada yang bisa saya bantu?",
    "Hello {p}, good day. How can I help you today?",
    "Selamat siang {p}, dengan {d} di sini. Apa keluhannya?",
    "Hi {p}! I'm {d}. What brings you here today?",
    "Halo, selamat pagi. Silakan ceritakan keluhannya",
)
OPENINGS = (
    "Halo dok, saya mau konsultasi. {c}",
    "hi doctor, I have {c}",
    "dok {c}, gimana ya",
    "Good morning doc. {c}",
    "dok anak saya {c}",
    "{c} dok",
)
FOLLOW_UPS: dict[str, tuple[str, ...]] = {
    "fever": ("sudah berapa hari demamnya?", "How many days have you had the fever?", "berapa suhu tertingginya",
              "Any chills or shivering?", "did you measure the temperature"),
    "cough": ("Is the cough dry or with phlegm?", "batuknya berdahak atau kering?", "any blood in the sputum",
              "sejak kapan batuknya"),
    "loose motion": ("berapa kali BAB hari ini?", "Is there any blood in the stool?", "are you able to drink fluids"),
    "headache": ("Where exactly is the pain?", "sakit kepalanya sebelah atau seluruhnya", "any vomiting with it?"),
    "itching": ("Is it worse at night?", "ada anggota keluarga lain yang gatal juga?", "where on the body"),
    "high sugar": ("What was your last HbA1c?", "masih minum metformin rutin?", "any numbness in the feet"),
    "high bp": ("berapa tensi terakhir?", "Do you take your BP medicine daily?", "any chest pain"),
}
GENERIC_FOLLOW_UPS = ("Ada keluhan lain?", "Any other symptoms?", "ada riwayat alergi obat?",
                      "Are you taking any medicines currently", "Do you have any allergies?",
                      "sudah minum obat apa saja", "How old is the patient?", "sejak kapan keluhannya")
ANSWERS = ("sudah {n} hari dok", "{n} days doc", "38.{n} tadi pagi", "iya dok", "tidak ada dok", "no doctor",
           "cuma itu aja dok", "I took paracetamol yesterday", "ga ada alergi", "sometimes, mostly at night",
           "{n} kali dok", "not sure doc, maybe {n} days")
ASSESSMENTS = (
    "From what you describe this looks like {dx}.",
    "Kemungkinan besar ini {dx} ya.",
    "Sepertinya ini {dx}, biasanya karena infeksi dan bisa sembuh dalam beberapa hari.",
    "Based on your symptoms it is most likely {dx}, nothing serious.",
)
DIFFERENTIALS = ("It is probably not dengue since there is no rash or bleeding.",
                 "This is different from a flu because there is no body ache.",
                 "Belum tentu tipes, kita pastikan dengan tes darah dulu.")
PRESCRIBING = ("I have prescribed {m}, please take after food.", "Saya resepkan {m} ya, diminum setelah makan.",
               "Please take {m} as per the prescription.", "resep: {m}")
LIFESTYLE = ("Also please {a}.", "Jangan lupa {a} ya.", "{a}", "Please remember to {a}.")
LABS = ("Please do a {l} test and share the report.", "Tolong cek {l} ya, hasilnya kirim ke saya.",
        "I suggest a {l}")
THANKS = ("ok dok makasih", "thank you doc", "baik dok", "noted doc, thanks", "obatnya bisa dibeli di app?",
          "makasih banyak dok", "ok")
CLOSINGS = ("Semoga lekas sembuh ya", "Take care and get well soon!", "Terima kasih, semoga cepat sembuh.",
            "Get well soon. Feel free to reach out if it gets worse.", "Sama-sama, semoga sehat selalu")
RATING_COMMENTS = {
    1: ("doctor did not reply properly", "very slow response", "dokternya cuek", ""),
    2: ("not satisfied", "too short, no explanation", "kurang jelas", ""),
    3: ("ok", "lumayan", "average consultation", ""),
    4: ("good doctor", "helpful, thanks", "dokternya ramah", ""),
    5: ("excellent, very clear explanation", "sangat membantu, terima kasih dok", "very kind doctor", ""),
}


def consultation_chat(r: np.random.Generator, *, quality: float, doctor_name: str, patient_name: str,
                      rx: Prescription) -> list[tuple[str, int, str]]:
    """Messages of one consultation as (sender_role, seconds after the previous message, body)."""
    messages: list[tuple[str, int, str]] = []

    def say(role: str, template_options: tuple[str, ...], **values: object) -> None:
        text = template_options[r.integers(len(template_options))].format(**values)
        if r.random() < (0.15 if role == "patient" else 0.03):
            text = _typo(r, text)
        if role == "doctor":
            delay = r.lognormal(np.log(25 / (0.4 + quality)), 0.6)
        else:
            delay = r.lognormal(np.log(40), 0.8)
        messages.append((role, int(delay) + 2, text))

    n = int(r.integers(1, 6))
    concepts = rx.complaint_concepts or ["fever"]
    if r.random() < 0.35 + 0.6 * quality:
        say("doctor", GREETINGS, p=patient_name, d=doctor_name)
    say("patient", OPENINGS, c=_complaint(r, concepts[0]))
    for concept in concepts[1:]:
        if r.random() < 0.6:
            say("patient", ("juga {c}", "and also {c}", "{c} juga dok"), c=_complaint(r, concept))
    for _ in range(r.binomial(4, 0.25 + 0.6 * quality)):
        bank = FOLLOW_UPS.get(concepts[int(r.integers(len(concepts)))], GENERIC_FOLLOW_UPS)
        if r.random() < 0.4:
            bank = GENERIC_FOLLOW_UPS
        say("doctor", bank)
        say("patient", ANSWERS, n=n)
    names = [DIAGNOSIS_BY_CODE[c].simple_name for c in rx.intended]
    if names and r.random() < 0.3 + 0.6 * quality:
        say("doctor", ASSESSMENTS, dx=" and ".join(names))
        if r.random() < 0.4 * quality:
            say("doctor", DIFFERENTIALS)
    if rx.medicines and r.random() < 0.5 + 0.5 * quality:
        say("doctor", PRESCRIBING, m=", ".join(MEDICINES[m].name for m in rx.medicines))
    for advice in rx.advice:
        if r.random() < 0.4 + 0.5 * quality:
            say("doctor", LIFESTYLE, a=advice)
    for test in rx.lab_tests[:2]:
        say("doctor", LABS, l=test)
    say("patient", THANKS)
    if r.random() < 0.35 + 0.6 * quality:
        say("doctor", CLOSINGS)
    return messages


def rating_comment(r: np.random.Generator, stars: int) -> str:
    options = RATING_COMMENTS[stars]
    return options[r.integers(len(options))]


def _complaint(r: np.random.Generator, concept: str) -> str:
    options = COMPLAINTS[concept]
    return options[r.integers(len(options))].format(n=int(r.integers(1, 6))).lower()


def _typo(r: np.random.Generator, text: str) -> str:
    """Swap two adjacent letters or drop one (what thumbs do on a phone keyboard)."""
    if len(text) < 4:
        return text
    i = int(r.integers(1, len(text) - 2))
    if r.random() < 0.5:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + text[i + 1:]
