-- ICD-10 codes described: one row per distinct code written on a prescription or named in the
-- alternative-names seed, with the WHO description and parent chain (the enrichment step describes them,
-- see stg_enriched__diagnoses_described).

select
    diagnosis_code,
    is_valid_code,
    description,
    category_code,
    block_code,
    chapter_code,
    parent_chain
from {{ ref('stg_enriched__diagnoses_described') }}
