-- Daily co-occurrence counts of a target value given one conditioning value (another field's value
-- on the same prescription, or its doctor / speciality): the recency-frequency tables of the
-- recommender before the time decay. Weighted count for a model with half-life h at reference day r:
-- sum(n_prescriptions * 0.5 ^ (date_diff('day', prescribed_date, r) / h)), divided by the same sum
-- over the prescriptions holding the condition (agg_prescription_items_daily for an item, fct_prescriptions for context).

with items as (

    select prescription_id, prescribed_at, field, value from {{ ref('fct_prescription_items') }}
    where field <> 'medicine'

),

context as (

    select prescription_id, 'doctor' as field, cast(doctor_id as {{ sehat.type_text() }}) as value from {{ ref('fct_prescriptions') }}
    union all
    select prescription_id, 'speciality', speciality from {{ ref('fct_prescriptions') }} where speciality is not null

),

given as (

    select prescription_id, field, value from items where field in ('complaint', 'diagnosis', 'molecule', 'lab_test')
    union all
    select * from context

)

select
    cast(t.prescribed_at as date) as prescribed_date,
    g.field as given_field,
    g.value as given_value,
    t.field as target_field,
    t.value as target_value,
    count(*) as n_prescriptions
from items as t
join given as g
    on g.prescription_id = t.prescription_id and not (g.field = t.field and g.value = t.value)
where t.field in ('complaint', 'diagnosis', 'molecule', 'brand', 'lab_test', 'advice')
group by all
