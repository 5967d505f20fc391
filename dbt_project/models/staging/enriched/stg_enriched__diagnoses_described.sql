-- Diagnosis codes described by the enrichment step (sehat.enrich.step), one row per distinct code.

select
    diagnosis_code,
    is_valid_code,
    description,
    category_code,
    block_code,
    chapter_code,
    parent_chain
from {{ source('enriched', 'diagnoses_described') }}
