-- Daily counts per normalised value: the recency-weighted global prior of the recommender is
-- sum(n_prescriptions * 0.5 ^ (age_days / half_life)) over these rows, computed where the data lives.

select
    cast(prescribed_at as date) as prescribed_date,
    field,
    value,
    count(*) as n_prescriptions
from {{ ref('fct_prescription_items') }}
group by all
