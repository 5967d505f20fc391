"""Doctor-patient chat transcripts for consultations, with their SAPE truth.

Every consultation first draws its *true* SAPE quality: for each of the eight
subcategories (:data:`sehat.sources.chats.SUBCATEGORIES`) whether the doctor did it adequately.
The probability rises with the doctor's hidden quality, plus a per-consultation
effect, so doctors differ but every doctor has good and bad consultations.

The chat is then written slot by slot (opening, main symptoms, additional
symptoms, assessment, plan, closing). **How many messages a slot has never
depends on the truth**: when a subcategory was not done, its slot is filled with
neutral talk of similar length and question rate ("saya cek dulu ya", "sudah
pernah konsultasi di sini?"). So message counts, lengths, questions and response
times carry (almost) nothing about the SAPE scores, as the Halodoc write-up found
for the quantitative features; only *what* is said reveals them.

Text is messy on purpose: paraphrases, Indonesian/English code-mixing, letter
typos (more from patients), questions without "?" and statements with "?", and
question words inside statements ("saya jelaskan apa penyebabnya"), so a
dictionary question detector is clearly beaten by a trained one.

Each message body is a :class:`ChatText` (a ``str``) carrying the truth of each
of its sentences and of the whole consultation; :mod:`sehat.generate.labels`
reads it from the production rows to write the truth and the human-style labels.
Sentences are cut exactly as :func:`sehat.sources.chats.split_sentences` (and the dbt model
``int_chat_sentences_split``) cut them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sehat.generate.clinical import COMPLAINTS, DIAGNOSIS_BY_CODE, GENERAL_ADVICE, MEDICINES
from sehat.generate.prescriptions import Prescription
from sehat.sources.chats import CATEGORIES, SUBCATEGORIES, split_sentences

# P(done) for a doctor of quality 0.7 (the population mean); see _draw_truth
BASE_RATE = {"s_main_symptoms": 0.72, "s_additional_symptoms": 0.58, "a_differential_diagnosis": 0.45,
             "a_possible_etiology": 0.66, "p_lifestyle_modification": 0.6, "p_medical_recommendation": 0.78,
             "e_opening": 0.74, "e_closing": 0.68}
QUALITY_SLOPE = 0.6

@dataclass(frozen=True)
class SentenceTruth:
    """What one sentence really is: a question or not; its SAPE category (S/A/P/E or None) and subcategory."""

    text: str
    is_question: bool
    category: str | None
    subcategory: str | None


@dataclass
class ChatTruth:
    """True SAPE quality of one consultation: subcategory -> done (1) or not (0)."""

    done: dict[str, int] = field(default_factory=dict)
    quality: float = 0.0

    def score(self, subcategory: str) -> float:
        return 0.5 * self.done[subcategory]

    def category_score(self, category: str) -> float:
        return sum(self.score(s) for s in CATEGORIES[category])


class ChatText(str):
    """A message body that remembers the truth of its sentences and of its consultation."""

    sentences: tuple[SentenceTruth, ...]
    consultation: ChatTruth


# ---------------------------------------------------------------------------------------------- templates
# A template is "text" (a statement) or "text ??" (a question: rendered with or without "?").
# Category and subcategory come from the bank a template is drawn from.

GREETINGS = (
    "Halo {p}, selamat {t}.", "Hello {p}, good {te}.", "Selamat {t} {p}, saya dokter {d}.",
    "Hi {p}! I'm dokter {d}, nice to meet you.", "Halo kak {p}, perkenalkan saya dokter {d}.",
    "Assalamualaikum {p}, selamat {t}.", "Good {te} {p}, thank you for consulting with me.",
    "Hai {p}, salam kenal ya.", "Selamat {t}, terima kasih sudah menghubungi saya.",
    "Hello {p}, dokter {d} here.",
)
GREETING_FOLLOW = ("Ada yang bisa saya bantu ??", "How can I help you today ??", "Apa yang bisa dibantu ??",
                   "Silakan ceritakan keluhannya ya.", "What brings you here today ??",
                   "Ada keluhan apa hari ini ??")
NO_GREETING = ("Keluhannya apa ??", "Silakan tulis keluhannya.", "Apa keluhannya ??", "ya, keluhan ??",
               "Tell me your problem.", "What is the problem ??", "Keluhan utama apa ??")

PATIENT_OPENINGS = (
    "dok saya {c}", "Halo dok, saya mau konsultasi. {C}", "hi doctor, I have {c}", "dok {c}, gimana ya ??",
    "Good morning doc. {C} since kemarin", "dok anak saya {c}", "{C} dok", "dokter, saya {c} nih",
    "permisi dok, saya {c} dari kemarin", "doc I am having {c}, what should I do ??",
)

# S: main symptom follow-ups (about the chief complaint: duration, severity, pattern)
MAIN_FOLLOW_UPS: dict[str, tuple[str, ...]] = {
    "fever": ("sudah berapa hari demamnya ??", "How many days have you had the fever ??",
              "berapa suhu tertingginya ??", "did you measure the temperature ??",
              "demamnya naik turun atau terus menerus ??", "Is the fever higher at night ??"),
    "cough": ("Is the cough dry or with phlegm ??", "batuknya berdahak atau kering ??",
              "sejak kapan batuknya ??", "batuknya lebih parah malam hari ??"),
    "loose motion": ("berapa kali BAB hari ini ??", "Is the stool watery ??", "sudah berapa hari diarenya ??"),
    "headache": ("Where exactly is the pain ??", "sakit kepalanya sebelah atau seluruhnya ??",
                 "how long does the headache last ??", "sakitnya berdenyut ??"),
    "itching": ("Is the itching worse at night ??", "gatalnya di bagian mana saja ??",
                "sudah berapa lama gatalnya ??"),
    "high sugar": ("What was your last sugar reading ??", "gula darah puasa terakhir berapa ??"),
    "high bp": ("berapa tensi terakhir ??", "When did you last check your BP ??"),
}
GENERIC_MAIN = (
    "sudah berapa lama keluhannya ??", "since when do you have this ??", "seberapa parah keluhannya ??",
    "On a scale of 1 to 10 how bad is it ??", "keluhannya muncul tiba-tiba atau perlahan ??",
    "Is it getting worse or better ??", "keluhannya terus menerus atau hilang timbul ??",
    "kapan pertama kali dirasakan ??", "apa yang membuat keluhannya lebih berat ??",
    "Boleh dijelaskan lebih detail keluhannya ??", "how often does it happen ??",
)
MAIN_ANSWERS = (
    "sudah {n} hari dok", "{n} days doc", "38.{n} tadi pagi", "mulai {n} hari yang lalu", "sejak {n} hari dok",
    "makin parah dok, terutama malam", "hilang timbul dok", "around {n} days, getting worse",
    "sakitnya sekitar {n} dari 10", "sudah {n} kali hari ini", "tiba-tiba dok, waktu bangun tidur",
)
# S: additional symptoms
ADDITIONAL_ASKS = (
    "Apakah ada {c2} juga ??", "Any {c2} along with it ??", "ada keluhan lain seperti {c2} ??",
    "Ada mual atau muntah ??", "Any other symptoms ??", "selain itu ada keluhan lain ??",
    "do you also have {c2} ??", "apa ada {c2} ??", "Ada keluhan tambahan ??",
    "Are there other complaints besides this ??",
)
ADDITIONAL_ANSWERS = (
    "iya ada {c2} juga dok", "yes doc, {c2} too", "ada dok, {c2} sedikit", "tidak ada dok, cuma itu",
    "{c2} juga dok sejak kemarin", "sedikit {c2} dok", "no other complaints doc",
)
# A: possible etiology (what it is and where it came from)
ETIOLOGY = (
    "Kemungkinan besar ini {dx}, biasanya disebabkan oleh infeksi virus.",
    "From what you describe this looks like {dx}, usually caused by an infection.",
    "Sepertinya ini {dx} ya, penyebabnya bisa karena daya tahan tubuh sedang turun.",
    "Based on your symptoms it is most likely {dx}, it usually comes from a virus.",
    "Dari keluhannya, ini mengarah ke {dx} karena pola makan dan kurang istirahat.",
    "This is probably {dx}, triggered by the weather change and low immunity.",
    "Saya jelaskan apa penyebabnya ya, ini {dx} yang biasanya muncul karena infeksi.",
    "Keluhan ini khas {dx}, pencetusnya biasanya kuman dari makanan atau lingkungan.",
)
# A: differential diagnosis (why not something similar)
DIFFERENTIAL = (
    "Ini bukan demam berdarah karena tidak ada bintik merah atau perdarahan.",
    "This is different from a flu because there is no body ache.",
    "Belum tentu tipes, kita bedakan dengan tes darah dulu.",
    "It does not look like an allergy since there is no itching or sneezing.",
    "Kalau gejalanya seperti ini biasanya bukan infeksi bakteri, berbeda dengan radang yang bernanah.",
    "We should rule out dengue, the pattern here is different.",
    "Bedanya dengan maag biasa, nyerinya tidak hilang setelah makan.",
    "It is unlikely to be serious like pneumonia because your breathing is normal.",
)
# P: medical recommendation (drug, dose, duration, tests)
MEDICAL = (
    "Saya resepkan {m}, diminum 3x sehari setelah makan selama 3 hari.",
    "I have prescribed {m}, take it twice daily after food for 5 days.",
    "Please take {m} as per the prescription, one tablet every 8 hours.",
    "resep: {m}, 2x1 sesudah makan",
    "Minum {m} kalau demam di atas 38 derajat, maksimal 4x sehari.",
    "When the fever goes above 38.5 take {m}, not more than 4 times a day.",
    "Tolong cek {l} ya, hasilnya kirim ke saya.",
    "Please do a {l} test and share the report.",
)
# P: lifestyle modification
LIFESTYLE = (
    "Perbanyak minum air putih dan istirahat yang cukup ya.", "Also please {a}.", "Jangan lupa {a} ya.",
    "Please remember to {a}.", "Kurangi makanan pedas dan berminyak dulu.",
    "Avoid cold drinks and get enough sleep.", "Sebaiknya {a} selama beberapa hari ini.",
    "Try to eat light food and walk a little every day.", "Hindari begadang dan makan tepat waktu ya.",
)
CLOSINGS = (
    "Semoga lekas sembuh ya.", "Take care and get well soon!", "Terima kasih, semoga cepat sembuh.",
    "Get well soon, feel free to reach out if it gets worse.", "Sama-sama, semoga sehat selalu.",
    "GWS ya kak, jaga kesehatan.", "Thank you for consulting, wish you a speedy recovery!",
    "Sehat selalu ya, sampai jumpa.", "Good bye and take care.",
)
NO_CLOSING = ("Ok.", "Sudah ya.", "Konsultasi saya akhiri.", "baik", "Done.", "Ok, itu saja.",
              "Resep sudah dikirim.")

# neutral doctor talk filling a slot whose subcategory was not done: questions for the question slots
# (S), statements for the others (A, P), so the number of doctor questions does not give the S score away
DOCTOR_FILLER_QUESTIONS = (
    "Sudah pernah konsultasi di aplikasi ini sebelumnya ??", "Is this your first time using this app ??",
    "Apakah chat saya terbaca dengan jelas ??", "Konsultasinya untuk diri sendiri ??", "Boleh saya lanjutkan ??",
    "Are you comfortable chatting in English ??", "Sudah terima notifikasi dari saya ??",
    "Can you see my messages clearly ??", "Apakah koneksinya lancar ??", "Mau lanjut pakai bahasa Indonesia ??",
    "Sudah mengisi data diri di aplikasi ??", "Are you chatting from your phone ??",
)
DOCTOR_FILLER = (
    "Baik, saya baca dulu keluhannya ya.", "Ok, mohon ditunggu sebentar ya.", "Noted, thanks for the information.",
    "Baik, saya catat dulu di rekam medis.", "ok saya mengerti", "Sebentar ya, saya cek dulu.",
    "Alright, give me a moment please.", "Terima kasih informasinya.", "hmm baik",
    "Catatan konsultasi nanti bisa dilihat di aplikasi.", "Saya sudah baca semua pesannya.",
    "Ok, I understand what you wrote.",
)
PATIENT_FILLER = ("iya dok", "ok dok", "belum pernah dok", "sudah dok", "jelas dok", "baik dok",
                  "yes doc", "ok", "iya untuk saya sendiri", "first time doc", "terbaca dok",
                  "silakan dok", "siap dok")
PATIENT_INTERJECTIONS = ("oh begitu ya dok", "apakah berbahaya dok ??", "ok dok, saya paham", "is it serious ??",
                         "jadi harus bagaimana dok ??", "oh ok doc", "perlu ke rumah sakit tidak dok ??",
                         "saya sudah minum paracetamol kemarin?", "anak saya masih mau makan dok?",
                         "should I be worried doc ??", "hmm oke dok")
THANKS = ("ok dok makasih", "thank you doc", "baik dok", "noted doc, thanks", "obatnya bisa dibeli di app ??",
          "makasih banyak dok", "ok", "terima kasih dokter", "siap dok, terima kasih?", "thanks a lot doctor")
ACK = ("Baik.", "Ok.", "Noted.", "Hmm.", "Baik kak.", "Oke.")

RATING_COMMENTS = {
    1: ("doctor did not reply properly", "very slow response", "dokternya cuek", ""),
    2: ("not satisfied", "too short, no explanation", "kurang jelas", ""),
    3: ("ok", "lumayan", "average consultation", ""),
    4: ("good doctor", "helpful, thanks", "dokternya ramah", ""),
    5: ("excellent, very clear explanation", "sangat membantu, terima kasih dok", "very kind doctor", ""),
}
_TIME_ID = ("pagi", "siang", "sore", "malam")
_TIME_EN = ("morning", "afternoon", "evening", "day")


def consultation_chat(r: np.random.Generator, *, quality: float, doctor_name: str, patient_name: str,
                      rx: Prescription) -> list[tuple[str, int, ChatText]]:
    """Messages of one consultation as (sender_role, seconds after the previous message, body).

    Each body is a :class:`ChatText` carrying its sentences' truth and the consultation's
    :class:`ChatTruth` (the same object for every message of the chat).
    """
    truth = _draw_truth(r, quality)
    done = truth.done
    concepts = rx.complaint_concepts or ["fever"]
    main = concepts[0]
    others = [c for c in concepts[1:]] or ["nausea", "body ache", "headache", "cough"]
    dx = DIAGNOSIS_BY_CODE[rx.intended[0]].simple_name if rx.intended else "a mild viral infection"
    medicine = MEDICINES[rx.medicines[0]].name if rx.medicines else "paracetamol 500 mg"
    advice = rx.advice[0] if rx.advice else GENERAL_ADVICE[int(r.integers(len(GENERAL_ADVICE)))]
    lab = rx.lab_tests[0] if rx.lab_tests else "CBC"
    doctor_first = _first_name(doctor_name)
    talkative = r.random()  # patients who reply to everything vs. those who only answer some turns
    reply_p = 0.45 + 0.55 * talkative
    values = {"p": patient_name, "d": doctor_first, "dx": dx, "m": medicine, "a": advice, "l": lab,
              "t": _TIME_ID[int(r.integers(4))], "te": _TIME_EN[int(r.integers(4))]}

    messages: list[tuple[str, int, ChatText]] = []

    def fill(template: str) -> tuple[str, bool]:
        is_q = template.endswith(" ??")
        text = template[:-3] if is_q else template
        c2 = others[int(r.integers(len(others)))]
        text = text.format(c=_complaint(r, main), C=_complaint(r, main).capitalize(),
                           c2=_complaint(r, c2), n=int(r.integers(1, 6)), **values)
        if is_q:
            if r.random() < 0.6:  # chat questions often come without "?"
                text += "?"
        elif r.random() < 0.04 and not text.endswith("?"):
            text = text.rstrip(".!") + "?"  # a statement with "?"
        return text, is_q

    def say(role: str, parts: list[tuple[tuple[str, ...], str | None, str | None]]) -> None:
        """One message made of sentences drawn from (bank, category, subcategory)."""
        pieces: list[SentenceTruth] = []
        for bank, category, subcategory in parts:
            text, is_q = fill(bank[int(r.integers(len(bank)))])
            if r.random() < (0.2 if role == "patient" else 0.05):
                text = _typo(r, text)
            if r.random() < 0.1:
                text = text.lower()
            pieces.append(SentenceTruth(text, is_q, category, subcategory))
        body = ""
        truths: list[SentenceTruth] = []
        for i, piece in enumerate(pieces):
            if i:
                body += " " if body[-1] in ".!?" else "\n"
            body += piece.text
            # a template may hold several sentences ("Hi Ayu! I'm dokter Budi."): each gets the piece's truth
            truths += [SentenceTruth(t, piece.is_question, piece.category, piece.subcategory)
                       for t in split_sentences(piece.text)]
        out = ChatText(body)
        assert [t.text for t in truths] == split_sentences(body), body
        out.sentences = tuple(truths)
        out.consultation = truth
        if role == "doctor":
            delay = r.lognormal(np.log(25 / (0.4 + quality)), 0.6)
        else:
            delay = r.lognormal(np.log(40), 0.8)
        messages.append((role, int(delay) + 2, out))

    def reply(bank: tuple[str, ...], category: str | None, subcategory: str | None) -> None:
        if r.random() < reply_p:
            say("patient", [(bank, category, subcategory)])

    def slot(sub: str, content: tuple[str, ...], answers: tuple[str, ...] | None, category: str,
             rounds: int) -> None:
        filler = DOCTOR_FILLER_QUESTIONS if category == "S" else DOCTOR_FILLER
        for _ in range(rounds):
            parts = []
            if r.random() < 0.25:
                parts.append((ACK, None, None))
            if done[sub]:
                parts.append((content, category, sub))
            else:
                parts.append((filler, None, None))
            say("doctor", parts)
            if answers is not None:
                reply(answers if done[sub] else PATIENT_FILLER, category if done[sub] else None,
                      sub if done[sub] else None)

    # opening (always one doctor message)
    if done["e_opening"]:
        opening = [(GREETINGS, "E", "e_opening")]
        if r.random() < 0.6:
            opening.append((GREETING_FOLLOW, "E", "e_opening"))
    else:
        opening = [(NO_GREETING, None, None)]
    say("doctor", opening)
    say("patient", [(PATIENT_OPENINGS, "S", None)])
    main_bank = MAIN_FOLLOW_UPS.get(main, ()) + GENERIC_MAIN
    slot("s_main_symptoms", main_bank, MAIN_ANSWERS, "S", 1 + int(r.binomial(2, 0.5)))
    slot("s_additional_symptoms", ADDITIONAL_ASKS, ADDITIONAL_ANSWERS, "S", 1 + int(r.binomial(1, 0.5)))
    slot("a_possible_etiology", ETIOLOGY, None, "A", 1)
    slot("a_differential_diagnosis", DIFFERENTIAL, None, "A", 1)
    reply(PATIENT_INTERJECTIONS, None, None)
    slot("p_medical_recommendation", MEDICAL, None, "P", 1 + int(r.random() < 0.3))
    slot("p_lifestyle_modification", LIFESTYLE, None, "P", 1)
    say("patient", [(THANKS, None, None)])
    if done["e_closing"]:
        say("doctor", [(CLOSINGS, "E", "e_closing")])
    else:
        say("doctor", [(NO_CLOSING, None, None)])
    return messages


def _draw_truth(r: np.random.Generator, quality: float) -> ChatTruth:
    """Subcategory done-or-not: base rate moved by doctor quality and a per-consultation effect."""
    day_effect = r.normal(0, 0.08)
    done = {}
    for sub in SUBCATEGORIES:
        p = float(np.clip(BASE_RATE[sub] + QUALITY_SLOPE * (quality - 0.7) + day_effect, 0.03, 0.97))
        done[sub] = int(r.random() < p)
    return ChatTruth(done=done, quality=quality)


def rating_comment(r: np.random.Generator, stars: int) -> str:
    options = RATING_COMMENTS[stars]
    return options[r.integers(len(options))]


def _first_name(doctor_name: str) -> str:
    """'dr. Budi Santoso, Sp.A' -> 'Budi' (no abbreviation dots: they would cut sentences)."""
    words = [w for w in doctor_name.replace(",", " ").split() if not w.lower().startswith(("dr", "sp."))]
    return words[0] if words else "Sehat"


def _complaint(r: np.random.Generator, concept: str) -> str:
    options = COMPLAINTS[concept]
    return options[r.integers(len(options))].format(n=int(r.integers(1, 6))).lower()


def _typo(r: np.random.Generator, text: str) -> str:
    """Swap two adjacent letters or drop one (what thumbs do on a phone keyboard); punctuation stays."""
    spots = [i for i in range(1, len(text) - 1) if text[i].isalpha() and text[i + 1].isalpha()]
    if not spots:
        return text
    i = spots[int(r.integers(len(spots)))]
    if r.random() < 0.5:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + text[i + 1:]
