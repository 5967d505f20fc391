-- Complaint keys written by the enrichment step (sehat.enrich.step), one row per distinct complaint.

select
    complaint_raw,
    complaint_key
from {{ source('enriched', 'complaint_keys') }}
