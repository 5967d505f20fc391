"""Section-labelled clinical dialogue: the shape of the public doctor-patient corpora, for the SAPE sentence tests.

:mod:`sehat.generate.chats` labels every sentence by what it is, so its sentence classes are easy to tell
apart (accuracy near 98%). Public clinical-dialogue corpora are labelled differently: a *snippet* (a run
of turns) carries the note section it feeds, and every sentence in it inherits that label. So a history
snippet labels S the patient's "iya dok", the doctor's "ok" and "pernah minum paracetamol?", and an
assessment snippet labels A the patient's "apakah berbahaya dok?". Real history taking is long: about 88%
of the sentences are Subjective, 5% Assessment, 3% Planning, the rest greetings and closings.

:func:`section_corpus` writes such chats with the banks of :mod:`sehat.generate.chats` (code-mixing,
typos, questions without "?") plus history talk that names diagnoses and drugs, and doctors thinking
aloud inside the history (labelled S, worded like A or P). Labels are the snippet's section, then a
labeller's slips (:data:`LABEL_SLIP`). The result has the documented sentence-label columns
(``docs/sape.md``), ready for ``sehat sape train`` / ``evaluate`` and the benchmark.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sehat.generate import chats
from sehat.generate.chats import _typo
from sehat.generate.clinical import COMPLAINTS, DIAGNOSES, GENERAL_ADVICE, MEDICINES
from sehat.generate.config import rng

LABEL_SLIP = 0.04  # share of sentences a labeller gave another section than the snippet's

HISTORY_WITH_CLINICAL_WORDS = (
    "pernah didiagnosis {dx} sebelumnya ??", "Have you ever been told you have {dx} ??",
    "sudah pernah minum {m} ??", "Did the {m} help ??", "ada keluarga yang punya {dx} ??",
    "Did a doctor say it was {dx} last time ??", "obat apa saja yang sudah diminum ??",
    "Are you allergic to any medicine ??", "sudah cek {l} sebelumnya ??",
)
PATIENT_HISTORY = (
    "sudah minum {m} kemarin dok", "I took {m} yesterday but no change", "dulu pernah {dx} dok",
    "last year doctor said {dx}", "belum minum obat apa2 dok", "ibu saya ada riwayat {dx}", "alergi amoxicillin dok",
    "iya dok", "ok dok", "gak dok", "yes", "no doc", "hmm", "sebentar dok saya cek", "iya bener dok", "ga tau dok",
)
THINKING_ALOUD = (  # said during the history, labelled with it (S), worded like an assessment or a plan
    "hmm bisa jadi {dx} ya, saya tanya dulu beberapa hal.", "ok that could be {dx}, let me ask a few more.",
    "nanti saya resepkan obat, tapi saya tanya dulu ya.", "we may need a {l} later, first tell me more.",
    "jangan panik dulu ya.",
)
PATIENT_WORRY = ("apakah berbahaya dok ??", "is it serious ??", "oh gitu ya dok", "menular gak dok ??",
                 "ok dok paham", "jadi bukan {dx} ya dok ??", "hmm ok")
PATIENT_PLAN_REPLY = ("ok dok", "siap dok", "berapa lama minumnya dok ??", "bisa beli di apotek biasa ??",
                      "ok noted", "makan dulu ya dok ??", "baik dok terima kasih")
SECTION_SHARES = {"S": 0.88, "A": 0.05, "P": 0.03}  # what the lengths below give on average (tested)


def section_corpus(n_consultations: int, seed: int = 0) -> pa.Table:
    """Sentence labels (``consultation_id, message_id, sentence_index, speaker, sentence, category``,
    plus ``section``: the snippet's section before the labeller's slips) of ``n_consultations`` chats."""
    r = rng(seed, "sape_sections")
    rows: dict[str, list] = {k: [] for k in ("consultation_id", "message_id", "sentence_index", "speaker",
                                             "sentence", "category", "section")}
    mid = 0
    for cid in range(1, n_consultations + 1):
        mid = _consultation(r, cid, mid, rows)
    return pa.table({**{k: rows[k] for k in ("consultation_id", "message_id", "sentence_index")},
                     **{k: pa.array(rows[k], pa.string()) for k in ("speaker", "sentence", "category", "section")}})


def _consultation(r: np.random.Generator, cid: int, mid: int, rows: dict[str, list]) -> int:
    """Append one chat's sentences to ``rows``; returns the last message id used."""
    dx = DIAGNOSES[int(r.integers(len(DIAGNOSES)))]
    concept = dx.complaints[0] if dx.complaints[0] in COMPLAINTS else "fever"
    values = {"p": f"Pasien{cid}", "d": "Sehat", "dx": dx.simple_name,
              "m": MEDICINES[int(r.integers(len(MEDICINES)))].name.lower(),
              "a": GENERAL_ADVICE[int(r.integers(len(GENERAL_ADVICE)))], "l": "CBC",
              "t": "pagi", "te": "morning"}

    def text(bank: tuple[str, ...], role: str) -> str:
        t = bank[int(r.integers(len(bank)))]
        question = t.endswith(" ??")
        t = t[:-3] if question else t
        options = COMPLAINTS[concept]
        t = t.format(c=options[int(r.integers(len(options)))].format(n=2).lower(), C="Keluhan",
                     c2="mual", n=int(r.integers(1, 6)), **values)
        t += "?" if question and r.random() < 0.6 else ""
        if r.random() < (0.2 if role == "patient" else 0.05):
            t = _typo(r, t)
        return t.lower() if r.random() < 0.15 else t

    def turn(role: str, bank: tuple[str, ...], section: str | None) -> None:
        nonlocal mid
        mid += 1
        for i, s in enumerate(chats.split_sentences(text(bank, role))):
            slip = r.random() < LABEL_SLIP
            label = (None, "S", "A", "P")[int(r.integers(4))] if slip else section
            for k, v in (("consultation_id", cid), ("message_id", mid), ("sentence_index", i),
                         ("speaker", role), ("sentence", s), ("category", label), ("section", section)):
                rows[k].append(v)

    if r.random() < 0.5:
        turn("doctor", chats.GREETINGS, "E")
    turn("patient", chats.PATIENT_OPENINGS, "S")
    history = chats.MAIN_FOLLOW_UPS.get(concept, ()) + chats.GENERIC_MAIN + chats.ADDITIONAL_ASKS
    for _ in range(int(r.integers(13, 24))):  # history: long, with clinical words and small talk
        u = r.random()
        bank = (HISTORY_WITH_CLINICAL_WORDS if u < 0.25 else THINKING_ALOUD if u < 0.33
                else chats.DOCTOR_FILLER if u < 0.38 else history)
        turn("doctor", bank, "S")
        for _ in range(int(r.integers(1, 3))):
            v = r.random()
            turn("patient", PATIENT_HISTORY if v < 0.4 else chats.ADDITIONAL_ANSWERS if v < 0.6
                 else chats.MAIN_ANSWERS, "S")
    if r.random() < 0.9:  # assessment: short, sometimes skipped
        if r.random() < 0.5:  # a section's small talk carries its label too
            turn("doctor", chats.ACK + chats.DOCTOR_FILLER, "A")
        turn("doctor", chats.ETIOLOGY, "A")
        if r.random() < 0.5:
            turn("doctor", chats.DIFFERENTIAL, "A")
        if r.random() < 0.5:
            turn("patient", PATIENT_WORRY, "A")
    if r.random() < 0.7:  # plan: shorter still
        if r.random() < 0.4:
            turn("doctor", chats.ACK + chats.DOCTOR_FILLER, "P")
        turn("doctor", chats.MEDICAL if r.random() < 0.6 else chats.LIFESTYLE, "P")
        if r.random() < 0.3:
            turn("patient", PATIENT_PLAN_REPLY, "P")
    if r.random() < 0.4:
        turn("patient", chats.THANKS, None)
    if r.random() < 0.4:
        turn("doctor", chats.CLOSINGS, "E")
    return mid


def shares(table: pa.Table) -> dict[str, float]:
    """Share of sentences per section (the snippets' labels, before slips)."""
    section = np.array(table.column("section").to_pylist(), dtype=object)
    return {c: round(float(np.mean(section == c)), 4) for c in SECTION_SHARES}
