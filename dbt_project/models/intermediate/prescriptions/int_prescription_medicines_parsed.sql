-- Structured medicines: one row per distinct medicine string written on a prescription, parsed by
-- the enrichment step (sehat.enrich.step: sehat.enrich.medicines, molecules from the production
-- catalogue). Unparseable strings are kept with is_parsed = false and the reasons in parse_problems.

select
    m.medicine_raw, m.brand, m.brand_display, m.variant, m.strength, m.strength_value, m.strength_unit,
    m.form, m.pack_quantity, m.pack_unit, m.pack_count, m.molecules, m.is_parsed, m.parse_problems
from {{ ref('stg_enriched__medicines_parsed') }} as m
where m.medicine_raw in (
    select raw_value from {{ ref('int_prescription_items_unnested') }} where field = 'medicine'
)
