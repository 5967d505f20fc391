-- Complaint keys: one row per distinct complaint string written on a prescription, normalised by
-- the enrichment step (sehat.enrich.step: sehat.enrich.complaints, the Snowball stemmer).

select k.complaint_raw, k.complaint_key
from {{ ref('stg_enriched__complaint_keys') }} as k
where k.complaint_raw in (
    select raw_value from {{ ref('int_prescription_items_unnested') }} where field = 'complaint'
)
