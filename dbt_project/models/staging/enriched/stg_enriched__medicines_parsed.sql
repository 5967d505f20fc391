-- Structured medicine strings written by the enrichment step (sehat.enrich.step), one row per distinct string.

select
    medicine_raw,
    brand,
    brand_display,
    variant,
    strength,
    strength_value,
    strength_unit,
    form,
    pack_quantity,
    pack_unit,
    pack_count,
    molecules,
    molecule_strengths,
    molecules_from,
    is_parsed,
    parse_problems
from {{ source('enriched', 'medicines_parsed') }}
