-- One row per completed consultation: the quantitative features of the write-up (message counts,
-- lengths, response times, notes, questions, duration, category, doctor and patient attributes,
-- rating), the eligibility flag (each participant >= 5 messages) and the human SAPE label if any.

with consultations as (

    select * from {{ ref('stg_production__consultations') }} where status = 'completed'

),

messages as (

    select
        consultation_id,
        count(*) filter (where speaker = 'doctor') as n_doctor_messages,
        count(*) filter (where speaker = 'patient') as n_patient_messages,
        avg(body_chars) as avg_message_chars,
        avg(body_chars) filter (where speaker = 'doctor') as avg_doctor_message_chars,
        avg(seconds_since_previous) filter (where speaker = 'doctor' and previous_speaker = 'patient')
            as avg_doctor_response_s,
        avg(seconds_since_previous) filter (where speaker = 'patient' and previous_speaker = 'doctor')
            as avg_patient_response_s
    from {{ ref('int_chat_messages_sequenced') }}
    group by consultation_id

),

questions as (

    select
        consultation_id,
        count(*) as n_sentences,
        count(*) filter (where speaker = 'doctor' and is_question_dictionary) as n_doctor_questions,
        count(*) filter (where speaker = 'patient' and is_question_dictionary) as n_patient_questions
    from {{ ref('fct_consultation_sentences') }}
    group by consultation_id

),

notes as (

    select consultation_id, max(length(coalesce(notes, ''))) as notes_chars
    from {{ ref('stg_production__prescriptions') }}
    group by consultation_id

),

ratings as (

    select consultation_id, max(stars) as rating
    from {{ ref('stg_production__ratings') }}
    group by consultation_id

)

select
    c.consultation_id,
    c.doctor_id,
    c.user_id,
    c.speciality,
    c.started_at,
    c.ended_at,
    {{ dbt.datediff('c.started_at', 'c.ended_at', 'second') }} as duration_s,
    coalesce(m.n_doctor_messages, 0) as n_doctor_messages,
    coalesce(m.n_patient_messages, 0) as n_patient_messages,
    m.avg_message_chars,
    m.avg_doctor_message_chars,
    m.avg_doctor_response_s,
    m.avg_patient_response_s,
    coalesce(n.notes_chars, 0) as notes_chars,
    coalesce(q.n_sentences, 0) as n_sentences,
    coalesce(q.n_doctor_questions, 0) as n_doctor_questions,
    coalesce(q.n_patient_questions, 0) as n_patient_questions,
    d.gender as doctor_gender,
    {{ age_in_years('d.birth_date', 'c.started_at') }} as doctor_age,
    {{ dbt.datediff('d.joined_at', 'c.started_at', 'day') }} as doctor_tenure_days,
    u.gender as patient_gender,
    {{ age_in_years('u.birth_date', 'c.started_at') }} as patient_age,
    {{ dbt.datediff('u.signup_at', 'c.started_at', 'day') }} as patient_tenure_days,
    r.rating,
    coalesce(m.n_doctor_messages, 0) >= 5 and coalesce(m.n_patient_messages, 0) >= 5 as is_eligible,
    l.consultation_id is not null as is_labelled,
    l.s_score as label_s_score,
    l.a_score as label_a_score,
    l.p_score as label_p_score,
    l.e_score as label_e_score
from consultations c
left join messages m on m.consultation_id = c.consultation_id
left join questions q on q.consultation_id = c.consultation_id
left join notes n on n.consultation_id = c.consultation_id
left join ratings r on r.consultation_id = c.consultation_id
left join {{ ref('stg_production__doctors') }} d on d.doctor_id = c.doctor_id
left join {{ ref('stg_production__users') }} u on u.user_id = c.user_id
left join {{ ref('stg_labels__sape_consultation_labels') }} l on l.consultation_id = c.consultation_id
