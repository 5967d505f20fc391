"""Quantitative consultation features (the write-up's first approach), as in ``marts.fct_consultation_features``.

The dbt mart computes them in the warehouse; :func:`quantitative_features` computes the same columns
with DuckDB from labelled frames (the label format of ``data/labels/README.md``, plus messages), so
the quantitative models can be trained and compared without a warehouse.
"""

from __future__ import annotations

import duckdb
import pandas as pd

NUMERIC = ["n_doctor_messages", "n_patient_messages", "avg_message_chars", "avg_doctor_response_s",
           "avg_patient_response_s", "notes_chars", "n_doctor_questions", "n_patient_questions",
           "duration_s", "doctor_tenure_days", "patient_age", "doctor_is_female", "patient_is_female",
           "rating_filled"]

SQL = """
with ordered as (
    select m.*, lag(speaker) over w as previous_speaker, lag(sent_at) over w as previous_sent_at
    from messages m
    window w as (partition by consultation_id order by sent_at, message_id)
),
per_consultation as (
    select consultation_id,
           count(*) filter (where speaker = 'doctor') as n_doctor_messages,
           count(*) filter (where speaker = 'patient') as n_patient_messages,
           avg(length(body)) as avg_message_chars,
           avg(epoch(sent_at) - epoch(previous_sent_at))
               filter (where speaker = 'doctor' and previous_speaker = 'patient') as avg_doctor_response_s,
           avg(epoch(sent_at) - epoch(previous_sent_at))
               filter (where speaker = 'patient' and previous_speaker = 'doctor') as avg_patient_response_s
    from ordered group by consultation_id
),
questions as (
    select consultation_id,
           count(*) filter (where speaker = 'doctor' and is_question) as n_doctor_questions,
           count(*) filter (where speaker = 'patient' and is_question) as n_patient_questions
    from question_flags group by consultation_id
)
select c.consultation_id, p.n_doctor_messages, p.n_patient_messages, p.avg_message_chars,
       coalesce(p.avg_doctor_response_s, 0) as avg_doctor_response_s,
       coalesce(p.avg_patient_response_s, 0) as avg_patient_response_s,
       c.notes_chars, coalesce(q.n_doctor_questions, 0) as n_doctor_questions,
       coalesce(q.n_patient_questions, 0) as n_patient_questions,
       epoch(c.ended_at) - epoch(c.started_at) as duration_s, c.doctor_tenure_days, c.patient_age,
       (c.doctor_gender = 'F')::int as doctor_is_female, (c.patient_gender = 'F')::int as patient_is_female,
       coalesce(c.rating, 0) as rating_filled, c.speciality
from consultations c join per_consultation p using (consultation_id)
left join questions q using (consultation_id)
order by c.consultation_id
"""


def quantitative_features(messages: pd.DataFrame, consultations: pd.DataFrame,
                          question_flags: pd.DataFrame) -> pd.DataFrame:
    """One row per consultation.

    ``messages``: consultation_id, message_id, speaker, sent_at, body; ``consultations``: consultation_id,
    doctor_gender, doctor_tenure_days, patient_age, patient_gender, speciality, rating, notes_chars,
    started_at, ended_at; ``question_flags``: consultation_id, speaker, is_question (one row per sentence,
    from whichever question classifier is being used).
    """
    con = duckdb.connect()
    try:
        con.register("messages", messages)
        con.register("consultations", consultations)
        con.register("question_flags", question_flags)
        return con.execute(SQL).df()
    finally:
        con.close()
