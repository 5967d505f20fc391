-- One row per diagnosis written on a prescription: ICD-10 code, WHO description, parent chain and
-- the alternative simple names doctors search for (seed diagnosis_alternative_names).

select
    i.prescription_id,
    i.position,
    i.raw_value as diagnosis_raw,
    upper(i.raw_value) as diagnosis_code,
    coalesce(d.is_valid_code, false) as is_valid_code,
    d.description,
    d.category_code,
    d.block_code,
    d.chapter_code,
    d.parent_chain,
    coalesce(n.alternative_names, {{ sehat.empty_list() }}) as alternative_names
from {{ ref('int_prescription_items_unnested') }} as i
left join {{ ref('stg_enriched__diagnoses_described') }} as d
    on d.diagnosis_code = upper(i.raw_value)
left join {{ ref('dim_diagnoses') }} as n
    on n.diagnosis_code = upper(i.raw_value)
where i.field = 'diagnosis'
