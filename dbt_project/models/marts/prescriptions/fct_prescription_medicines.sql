-- One row per medicine written on a prescription, structured: brand, strength, form, pack, molecules.
-- Unparseable strings are kept (is_parsed = false, parse_problems says why); molecule_key is what the
-- recommender predicts (molecules joined by '+', else the brand stands in).

select
    i.prescription_id,
    i.position,
    i.raw_value as medicine_raw,
    m.brand,
    m.brand_display,
    m.variant,
    m.strength,
    m.strength_value,
    m.strength_unit,
    m.form,
    m.pack_quantity,
    m.pack_unit,
    m.pack_count,
    m.molecules,
    m.molecule_strengths,
    case when {{ sehat.list_length('m.molecules') }} > 0 then {{ sehat.list_join('m.molecules', "'+'") }}
         else coalesce(m.brand, upper(i.raw_value)) end as molecule_key,
    m.is_parsed,
    m.parse_problems
from {{ ref('int_prescription_items_unnested') }} as i
join {{ ref('stg_enriched__medicines_parsed') }} as m
    on m.medicine_raw = i.raw_value
where i.field = 'medicine'
