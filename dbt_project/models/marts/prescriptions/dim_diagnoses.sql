-- The diagnosis vocabulary doctors search: every ICD-10 code written on a prescription or named in
-- the alternative-names seed, with its official description, parents and simple names.

with alternative_names as (

    select upper(trim(code)) as diagnosis_code,
           {{ sehat.list_agg('trim(alternative_name)', 'trim(alternative_name)', distinct=true) }} as alternative_names
    from {{ ref('diagnosis_alternative_names') }}
    group by 1

),

written as (

    select upper(raw_value) as diagnosis_code,
           count(distinct prescription_id) as n_prescriptions,
           max(p.prescribed_at) as last_prescribed_at
    from {{ ref('int_prescription_items_unnested') }} as i
    join {{ ref('stg_production__prescriptions') }} as p using (prescription_id)
    where i.field = 'diagnosis'
    group by 1

)

select
    d.diagnosis_code,
    d.is_valid_code,
    d.description,
    d.category_code,
    d.block_code,
    d.chapter_code,
    d.parent_chain,
    coalesce(a.alternative_names, {{ sehat.empty_list() }}) as alternative_names,
    coalesce(w.n_prescriptions, 0) as n_prescriptions,
    w.last_prescribed_at
from {{ ref('stg_enriched__diagnoses_described') }} as d
left join alternative_names as a using (diagnosis_code)
left join written as w using (diagnosis_code)
