-- Complaint keys: one row per distinct raw complaint string (the enrichment step stems them, see
-- stg_enriched__complaint_keys).

select
    complaint_raw,
    complaint_key
from {{ ref('stg_enriched__complaint_keys') }}
