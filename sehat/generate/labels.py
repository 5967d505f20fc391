"""Human-style SAPE labels for a sample of the generated consultations, plus their truth.

What the Halodoc operations team produced with their tagging tool, made from
what :mod:`sehat.generate.chats` really generated:

* a **sample** of the *eligible* consultations (each participant has at least 5
  messages), at least one per doctor that has any, well-rated and badly rated
  alike;
* per consultation: 0 / 0.5 per subcategory, category score 0 / 0.5 / 1.0
  (the sum of its two subcategories);
* per sentence of those consultations: question yes/no and category S / A / P / E
  (empty when the sentence is none of them).

Labellers disagree with the truth: each of the five labellers flips a
subcategory with its own rate (6-18%), and sentence labels are wrong a few
percent of the time. So the **best achievable** accuracy (the truth scored
against the labels) is below 100%; ``data/truth/sape_*.parquet`` lets the
evaluation compute it. Format: ``data/labels/README.md`` (written by :func:`write`).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sehat.generate.chats import ChatText
from sehat.generate.config import GenerateConfig, rng
from sehat.sources.chats import CATEGORIES, SUBCATEGORIES

LABEL_SHARE = 0.6  # share of eligible consultations labelled
MIN_MESSAGES = 5  # eligibility: each participant has at least this many messages
LABELLER_FLIP = {"ops_1": 0.06, "ops_2": 0.09, "ops_3": 0.12, "ops_4": 0.15, "ops_5": 0.18}
SENTENCE_CATEGORY_NOISE = 0.05  # a sentence gets another category (or none) than its true one
QUESTION_NOISE = 0.05  # question yes/no flipped
SENTENCE_CATEGORIES = ("S", "A", "P", "E")

CONSULTATION_FILE = "sape_consultation_labels.parquet"
SENTENCE_FILE = "sape_sentence_labels.parquet"

README = """# SAPE labels (generated sample)

Written by `sehat.generate.labels`; the same format is accepted for real labels by
`sehat.ingest.labels.load_labels(..., consultation_file=..., sentence_file=...)` and by
`sehat sape train --consultations ... --sentences ...`. Parquet or CSV.

## `sape_consultation_labels.parquet`: one row per labelled consultation

| column | type | meaning |
| --- | --- | --- |
| consultation_id | BIGINT | production consultations.consultation_id |
| labeller | VARCHAR | who labelled it |
| s_main_symptoms, s_additional_symptoms | DOUBLE | 0 or 0.5 (Subjective subcategories) |
| a_differential_diagnosis, a_possible_etiology | DOUBLE | 0 or 0.5 (Assessment) |
| p_lifestyle_modification, p_medical_recommendation | DOUBLE | 0 or 0.5 (Planning) |
| e_opening, e_closing | DOUBLE | 0 or 0.5 (Etiquette) |
| s_score, a_score, p_score, e_score | DOUBLE | category score = sum of its two subcategories: 0, 0.5, 1.0 |
| labelled_at | TIMESTAMP | when the label was given |

## `sape_sentence_labels.parquet`: one row per sentence of a labelled consultation

| column | type | meaning |
| --- | --- | --- |
| consultation_id | BIGINT | the consultation |
| message_id | BIGINT | production chat_messages.message_id |
| sentence_index | INTEGER | 0-based position of the sentence in its message (sentences cut as `sehat.sources.chats.split_sentences`) |
| speaker | VARCHAR | `doctor` or `patient` |
| sentence | VARCHAR | the sentence text as the labeller saw it |
| is_question | BOOLEAN | the labeller marked it as a question |
| category | VARCHAR | `S`, `A`, `P`, `E` or null (none) |
| labeller | VARCHAR | who labelled it |

Labels are noisy on purpose (labellers disagree with the generating truth: subcategory
flip rates {flips}; sentence category {cat_noise:.0%}, question {q_noise:.0%}).
The truth is in `../truth/sape_consultations.parquet` and `../truth/sape_sentences.parquet`
(same keys; `done` flags as 0/0.5 scores, plus the doctor's hidden quality and the
eligibility flag) for computing the best achievable accuracy.
"""  # noqa: E501 (a row of this markdown table cannot wrap)


def write(cfg: GenerateConfig, rows) -> dict:
    """Write ``data_dir/labels/*.parquet`` (+ README) and ``data_dir/truth/sape_*.parquet``.

    ``rows`` is the generator's :class:`sehat.generate.production.Rows` (message bodies still
    carry their :class:`~sehat.generate.chats.ChatText` truth). Call after ``truth.write``
    (which replaces the truth folder). Returns counts for the generator summary.
    """
    messages = _columns(rows, "chat_messages")
    consultations = _columns(rows, "consultations")
    doctor_of = dict(zip(consultations["consultation_id"], consultations["doctor_id"]))
    tables = build_tables(messages, doctor_of, rng(cfg.seed, "sape_labels"), cfg.end_epoch)
    return write_tables(tables, cfg.data_dir)


def build_tables(messages: dict[str, list], doctor_of: dict[int, int], r: np.random.Generator,
                 labelled_epoch: int, label_share: float = LABEL_SHARE) -> dict[str, pa.Table]:
    """Truth and labels from chat messages (``message_id``, ``consultation_id``, ``sender_role``, ``body``).

    Returns tables ``truth_consultations``, ``truth_sentences``, ``consultation_labels``, ``sentence_labels``.
    """
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    chat_truth: dict[int, object] = {}
    sentence_rows: dict[str, list] = defaultdict(list)
    for mid, cid, role, body in zip(messages["message_id"], messages["consultation_id"],
                                    messages["sender_role"], messages["body"]):
        counts[cid][role == "patient"] += 1
        if not isinstance(body, ChatText):
            continue
        chat_truth[cid] = body.consultation
        for i, s in enumerate(body.sentences):
            for key, value in (("consultation_id", cid), ("message_id", mid), ("sentence_index", i),
                               ("speaker", role), ("sentence", s.text), ("is_question", s.is_question),
                               ("category", s.category), ("subcategory", s.subcategory)):
                sentence_rows[key].append(value)
    eligible = {cid for cid, (d, p) in counts.items() if d >= MIN_MESSAGES and p >= MIN_MESSAGES}

    ordered = sorted(eligible)
    chosen = {c for c, u in zip(ordered, r.random(len(ordered))) if u < label_share}
    by_doctor: dict[int, list[int]] = defaultdict(list)
    for c in ordered:
        by_doctor[doctor_of[c]].append(c)
    for doctor in sorted(by_doctor):
        if not chosen.intersection(by_doctor[doctor]):
            chosen.add(by_doctor[doctor][int(r.integers(len(by_doctor[doctor])))])
    labelled = sorted(chosen)

    truth_ids = sorted(chat_truth)
    truth_table = {"consultation_id": truth_ids, "doctor_id": [doctor_of[c] for c in truth_ids],
                   "quality": [chat_truth[c].quality for c in truth_ids],
                   "eligible": [c in eligible for c in truth_ids]}
    for sub in SUBCATEGORIES:
        truth_table[sub] = [chat_truth[c].score(sub) for c in truth_ids]
    for cat in CATEGORIES:
        truth_table[f"{cat.lower()}_score"] = [chat_truth[c].category_score(cat) for c in truth_ids]
    sentence_schema = pa.schema([
        ("consultation_id", pa.int64()), ("message_id", pa.int64()), ("sentence_index", pa.int32()),
        ("speaker", pa.string()), ("sentence", pa.string()), ("is_question", pa.bool_()),
        ("category", pa.string()), ("subcategory", pa.string())])
    # a tiny sample may have no chat at all: every column still exists, empty
    sentences = pa.table({name: sentence_rows[name] for name in sentence_schema.names}, schema=sentence_schema)

    # consultation labels: one labeller per consultation, flipping subcategories at their own rate
    names = list(LABELLER_FLIP)
    who = r.integers(len(names), size=len(labelled))
    labels: dict[str, list] = {"consultation_id": labelled, "labeller": [names[w] for w in who]}
    flip_rate = np.array([LABELLER_FLIP[names[w]] for w in who])
    for sub in SUBCATEGORIES:
        true = np.array([chat_truth[c].done[sub] for c in labelled], dtype=int)
        flipped = np.where(r.random(len(labelled)) < flip_rate, 1 - true, true)
        labels[sub] = (0.5 * flipped).tolist()
    for cat, subs in CATEGORIES.items():
        labels[f"{cat.lower()}_score"] = [a + b for a, b in zip(labels[subs[0]], labels[subs[1]])]
    labels["labelled_at"] = pa.array((labelled_epoch + r.integers(0, 86_400, len(labelled))).tolist(),
                                     pa.int64()).cast(pa.timestamp("s"))

    # sentence labels of the labelled consultations
    labeller_of = dict(zip(labelled, labels["labeller"]))
    keep = np.isin(sentences.column("consultation_id").to_numpy(), np.array(labelled, dtype=np.int64))
    s = sentences.filter(pa.array(keep))
    n = s.num_rows
    is_q = np.array(s.column("is_question").to_pylist(), bool)
    is_q = np.where(r.random(n) < QUESTION_NOISE, ~is_q, is_q)
    category = s.column("category").to_pylist()
    wrong = r.random(n) < SENTENCE_CATEGORY_NOISE
    options = list(SENTENCE_CATEGORIES) + [None]
    pick = r.integers(len(options) - 1, size=n)
    for i in np.flatnonzero(wrong):
        others = [o for o in options if o != category[i]]
        category[i] = others[pick[i] % len(others)]
    sentence_labels = pa.table({
        "consultation_id": s.column("consultation_id"), "message_id": s.column("message_id"),
        "sentence_index": s.column("sentence_index"), "speaker": s.column("speaker"),
        "sentence": s.column("sentence"), "is_question": pa.array(is_q.tolist(), pa.bool_()),
        "category": pa.array(category, pa.string()),
        "labeller": pa.array([labeller_of[c] for c in s.column("consultation_id").to_pylist()], pa.string()),
    })
    consultation_labels = pa.table(labels, schema=pa.schema(
        [("consultation_id", pa.int64()), ("labeller", pa.string())]
        + [(c, pa.float64()) for c in list(SUBCATEGORIES) + [f"{k.lower()}_score" for k in CATEGORIES]]
        + [("labelled_at", pa.timestamp("s"))]))
    return {"truth_consultations": pa.table(truth_table), "truth_sentences": sentences,
            "consultation_labels": consultation_labels, "sentence_labels": sentence_labels}


def write_tables(tables: dict[str, pa.Table], data_dir: Path) -> dict:
    """Write the tables of :func:`build_tables` under ``data_dir/labels`` and ``data_dir/truth``."""
    truth_dir, label_dir = Path(data_dir) / "truth", Path(data_dir) / "labels"
    truth_dir.mkdir(parents=True, exist_ok=True)
    label_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(tables["truth_consultations"], truth_dir / "sape_consultations.parquet")
    pq.write_table(tables["truth_sentences"], truth_dir / "sape_sentences.parquet")
    pq.write_table(tables["consultation_labels"], label_dir / CONSULTATION_FILE)
    pq.write_table(tables["sentence_labels"], label_dir / SENTENCE_FILE)
    (label_dir / "README.md").write_text(README.format(
        flips=", ".join(f"{k} {v:.0%}" for k, v in LABELLER_FLIP.items()),
        cat_noise=SENTENCE_CATEGORY_NOISE, q_noise=QUESTION_NOISE), encoding="utf-8")
    _append_truth_readme(truth_dir)
    truth = tables["truth_consultations"]
    return {"consultations_with_chat": truth.num_rows,
            "eligible": int(sum(truth.column("eligible").to_pylist())),
            "labelled_consultations": tables["consultation_labels"].num_rows,
            "labelled_sentences": tables["sentence_labels"].num_rows,
            "sentences": tables["truth_sentences"].num_rows}


def corpus(n_consultations: int, seed: int = 0, doctors: int = 200,
           label_share: float = 1.0) -> dict[str, pa.Table]:
    """A stand-alone labelled corpus (no world, no production DB): fast, for training, evaluation, benchmarks.

    Chats come from the same :func:`sehat.generate.chats.consultation_chat` with random diagnoses and
    doctors (quality ~ Beta(5, 2) as in the world). Besides :func:`build_tables`' tables it returns
    ``messages`` (consultation_id, message_id, doctor_id, speaker, sent_at, body) and ``consultations``
    (consultation_id, doctor_id, doctor_gender, doctor_tenure_days, patient_age, patient_gender,
    speciality, rating, notes_chars) so quantitative features can be computed as the mart does.
    """
    from sehat.generate.chats import consultation_chat
    from sehat.generate.clinical import DIAGNOSES, GENERAL_ADVICE, MEDICINES
    from sehat.generate.prescriptions import Prescription

    r = rng(seed, "sape_corpus")
    quality = r.beta(5, 2, doctors)
    doc_gender = np.where(r.random(doctors) < 0.5, "F", "M")
    doc_tenure = r.integers(0, 3 * 365, doctors)
    by_molecule: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(MEDICINES):
        by_molecule[m.molecule_key].append(i)
    msg = defaultdict(list)
    cons = defaultdict(list)
    mid, t0 = 0, 1_790_000_000
    for cid in range(1, n_consultations + 1):
        d = int(r.integers(doctors))
        dx = DIAGNOSES[int(r.integers(len(DIAGNOSES)))]
        concepts = list(dx.complaints)
        r.shuffle(concepts)
        meds = [by_molecule[k][int(r.integers(len(by_molecule[k])))] for k, p in dx.molecules
                if r.random() < p and by_molecule.get(k)]
        rx = Prescription(diagnoses=[dx.code], complaint_concepts=concepts[: int(r.integers(1, 4))],
                          medicines=meds, lab_tests=[k for k, p in dx.lab_tests if r.random() < p],
                          advice=[k for k, p in dx.advice if r.random() < p] or [GENERAL_ADVICE[0]],
                          intended=[dx.code])
        chat = consultation_chat(r, quality=float(quality[d]), doctor_name=f"dr. Doc{d} X",
                                 patient_name=f"Pasien{cid}", rx=rx)
        t = t0 + cid * 600
        started = t
        for role, delay, body in chat:
            mid += 1
            t += delay
            for key, value in (("consultation_id", cid), ("message_id", mid), ("doctor_id", d + 1),
                               ("sender_role", role), ("sent_at", t), ("body", body)):
                msg[key].append(value)
        stars = int(np.clip(np.rint(1.2 + 4.2 * quality[d] + r.normal(0, 0.8)), 1, 5)) if r.random() < 0.35 else None
        for key, value in (("consultation_id", cid), ("doctor_id", d + 1), ("doctor_gender", str(doc_gender[d])),
                           ("doctor_tenure_days", int(doc_tenure[d])), ("patient_age", int(r.integers(1, 80))),
                           ("patient_gender", "F" if r.random() < 0.5 else "M"), ("speciality", dx.specialities[0]),
                           ("rating", stars), ("notes_chars", int(r.integers(20, 120))),
                           ("started_at", started), ("ended_at", t + int(r.integers(30, 240)))):
            cons[key].append(value)
    tables = build_tables(msg, dict(zip(cons["consultation_id"], cons["doctor_id"])),
                          rng(seed, "sape_corpus_labels"), t0, label_share)
    messages = pa.table({"consultation_id": pa.array(msg["consultation_id"], pa.int64()),
                         "message_id": pa.array(msg["message_id"], pa.int64()),
                         "doctor_id": pa.array(msg["doctor_id"], pa.int64()),
                         "speaker": pa.array(msg["sender_role"], pa.string()),
                         "sent_at": pa.array(msg["sent_at"], pa.int64()).cast(pa.timestamp("s")),
                         "body": pa.array([str(b) for b in msg["body"]], pa.string())})
    consultations = pa.table(cons)
    consultations = consultations.set_column(
        consultations.schema.get_field_index("started_at"), "started_at",
        consultations.column("started_at").cast(pa.timestamp("s")))
    consultations = consultations.set_column(
        consultations.schema.get_field_index("ended_at"), "ended_at",
        consultations.column("ended_at").cast(pa.timestamp("s")))
    return tables | {"messages": messages, "consultations": consultations}


def _columns(rows, table: str) -> dict[str, list]:
    """The raw Python values of a production table buffer (bodies keep their ChatText truth)."""
    from sehat.generate.production import columns

    buffers = rows._cols[table]
    return {name: values for (name, _), values in zip(columns(table), buffers)}


def _append_truth_readme(truth_dir: Path) -> None:
    readme = truth_dir / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if "sape_consultations.parquet" in text:
        return
    text += ("\n## SAPE (written by sehat.generate.labels)\n\n"
             "- `sape_consultations.parquet`: every consultation with a chat: doctor, hidden quality, eligible "
             "(each side >= 5 messages), true 0/0.5 per SAPE subcategory and the category scores.\n"
             "- `sape_sentences.parquet`: every chat sentence: message, position, speaker, text, true question "
             "flag, category (S/A/P/E or null) and subcategory.\n")
    readme.write_text(text, encoding="utf-8")
