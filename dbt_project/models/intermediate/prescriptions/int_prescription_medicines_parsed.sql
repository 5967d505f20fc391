-- Structured medicines: one row per distinct medicine string (the enrichment step parses them, see
-- stg_enriched__medicines_parsed). Molecules from the production catalogue (the full string, else the brand;
-- with strengths when it has a composition), else from the name itself (generic and RxNorm names).
-- Unparseable strings are kept with is_parsed = false and the reasons in parse_problems.

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
from {{ ref('stg_enriched__medicines_parsed') }}
