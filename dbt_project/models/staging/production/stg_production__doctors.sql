-- Latest version of each production doctor row (one row per doctor).
-- raw.prod_doctors is append-only: keep the newest row per doctor_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).

with source as (

    {{ latest_row_per_key(source('production', 'prod_doctors'), 'doctor_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(doctor_id as bigint) as doctor_id,
        cast(name as {{ sehat.type_text() }}) as name,
        cast(speciality as {{ sehat.type_text() }}) as speciality,
        cast(gender as {{ sehat.type_text() }}) as gender,
        cast(birth_date as date) as birth_date,
        cast(city as {{ sehat.type_text() }}) as city,
        cast(joined_at as timestamp) as joined_at,
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
left join {{ sehat.deleted_at_source('doctors') }} as d
    on d.key = cast(renamed.doctor_id as {{ sehat.type_text() }})
