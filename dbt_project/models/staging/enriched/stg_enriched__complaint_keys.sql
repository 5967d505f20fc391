-- The enrichment step's complaint lookup (sehat.enrich.step): one row per distinct complaint string.

select complaint_raw, complaint_key
from {{ source('enriched', 'complaint_keys') }}
