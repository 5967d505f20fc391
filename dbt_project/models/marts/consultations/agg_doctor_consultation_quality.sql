-- Per doctor: how their scored consultations look. A consultation is *low-scoring* when its
-- S + A + P scores sum to less than 1.5 (of 3). Trend = share low in the last 30 days minus the
-- 30 days before (positive = getting worse). New doctors (joined within 30 days of the latest
-- consultation in the data) are flagged for review when any of their consultations is low-scoring;
-- others when the share low is >= 0.5 over at least 5 scored consultations. The bad-rating rate
-- (1-2 stars among rated consultations) is beside it. A view: it reads the latest scores (a table on
-- Spark, whose tables the DuckDB file imports).
{{ config(materialized=sehat.view_materialization()) }}

with scored as (

    select f.doctor_id, f.consultation_id, f.started_at, f.rating,
        s.s_score + s.a_score + s.p_score < 1.5 as is_low, s.s_score, s.a_score, s.p_score, s.e_score,
        s.model_version
    from {{ ref('fct_consultation_features') }} f
    join {{ ref('stg_ml__sape_scores') }} s on s.consultation_id = f.consultation_id

),

as_of as (

    select max(started_at) as as_of_at from {{ ref('fct_consultation_features') }}

),

per_doctor as (

    select
        s.doctor_id,
        count(*) as n_scored,
        avg(case when s.is_low then 1.0 else 0.0 end) as share_low,
        avg(case when s.is_low then 1.0 else 0.0 end)
            filter (where s.started_at > a.as_of_at - interval '30 days') as share_low_last_30d,
        avg(case when s.is_low then 1.0 else 0.0 end)
            filter (where s.started_at <= a.as_of_at - interval '30 days'
                    and s.started_at > a.as_of_at - interval '60 days') as share_low_previous_30d,
        avg(s.s_score) as avg_s_score,
        avg(s.a_score) as avg_a_score,
        avg(s.p_score) as avg_p_score,
        avg(s.e_score) as avg_e_score,
        count(s.rating) as n_rated,
        avg(case when s.rating <= 2 then 1.0 else 0.0 end) filter (where s.rating is not null) as bad_rating_rate,
        max(s.model_version) as model_version
    from scored s cross join as_of a
    group by s.doctor_id

)

select
    p.doctor_id,
    d.speciality,
    d.joined_at,
    p.n_scored,
    p.share_low,
    p.share_low_last_30d,
    p.share_low_previous_30d,
    p.share_low_last_30d - p.share_low_previous_30d as share_low_trend,
    p.avg_s_score,
    p.avg_a_score,
    p.avg_p_score,
    p.avg_e_score,
    p.n_rated,
    p.bad_rating_rate,
    d.joined_at > a.as_of_at - interval '30 days' as is_new_doctor,
    (d.joined_at > a.as_of_at - interval '30 days' and p.share_low > 0)
        or (p.n_scored >= 5 and p.share_low >= 0.5) as flagged_for_review,
    p.model_version
from per_doctor p
cross join as_of a
left join {{ ref('stg_production__doctors') }} d on d.doctor_id = p.doctor_id
