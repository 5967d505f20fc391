-- Latest version of each production medicine row (one row per catalogue medicine).
-- raw.prod_medicines is append-only: keep the newest row per medicine_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).
-- composition ("Amoxycillin (500mg) + Clavulanic Acid (125mg)") is optional: a catalogue without it gives NULL.

{%- set has_composition = false -%}
{%- if execute -%}
    {%- set columns = adapter.get_columns_in_relation(source('production', 'prod_medicines')) -%}
    {%- set has_composition = 'composition' in (columns | map(attribute='name') | map('lower') | list) -%}
{%- endif %}

with source as (

    {{ latest_row_per_key(source('production', 'prod_medicines'), 'medicine_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(medicine_id as bigint) as medicine_id,
        cast(name as {{ sehat.type_text() }}) as name,
        cast(brand as {{ sehat.type_text() }}) as brand,
        {{ json_text_to_list('molecules') }} as molecules,
        cast(molecules as {{ sehat.type_text() }}) as molecules_json,
        cast({{ 'composition' if has_composition else 'null' }} as {{ sehat.type_text() }}) as composition,
        cast(strength as {{ sehat.type_text() }}) as strength,
        cast(form as {{ sehat.type_text() }}) as form,
        cast(pack as {{ sehat.type_text() }}) as pack,
        cast(manufacturer as {{ sehat.type_text() }}) as manufacturer,
        cast(price as decimal(18, 2)) as price,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(_batch_date as date) as batch_date,
        cast(_extracted_at as timestamp) as extracted_at
    from source

)

-- a catalogue row deleted at the source stays (history still joins to it), flagged
select
    renamed.*,
    d.key is not null as is_deleted_at_source
from renamed
left join {{ sehat.deleted_at_source('medicines') }} as d
    on d.key = cast(renamed.medicine_id as {{ sehat.type_text() }})
