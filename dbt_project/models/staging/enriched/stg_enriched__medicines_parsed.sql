-- The enrichment step's medicine lookup (sehat.enrich.step), as written: one row per distinct string.

select
    medicine_raw, brand, brand_display, variant, strength, strength_value, strength_unit,
    form, pack_quantity, pack_unit, pack_count, molecules, is_parsed, parse_problems
from {{ source('enriched', 'medicines_parsed') }}
