-- Rows deleted at the production source: one row per (table_name, key) currently gone from the
-- source (raw.production_deletions, written by the key reconciliation of every extraction).
-- Staging applies it: deleted rows of fact tables (consultations, orders, ...) are left out of
-- their staging models, catalogue rows (doctors, medicines, products, lab tests) and users stay
-- flagged (`is_deleted_at_source`); see docs/design.md, the watermark and its limits.

select
    cast(table_name as {{ sehat.type_text() }}) as table_name,
    cast(key as {{ sehat.type_text() }}) as key,
    cast(batch_date as date) as deleted_at_source_on,
    cast(detected_at as timestamp) as detected_at
from {{ source('production', 'production_deletions') }}
