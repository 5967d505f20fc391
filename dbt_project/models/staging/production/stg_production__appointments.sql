-- Latest version of each production appointment row (one row per appointment).
-- raw.prod_appointments is append-only: keep the newest row per appointment_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).

with source as (

    {{ latest_row_per_key(source('production', 'prod_appointments'), 'appointment_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(appointment_id as bigint) as appointment_id,
        cast(user_id as bigint) as user_id,
        cast(hospital as {{ sehat.type_text() }}) as hospital,
        cast(speciality as {{ sehat.type_text() }}) as speciality,
        cast(scheduled_at as timestamp) as scheduled_at,
        cast(status as {{ sehat.type_text() }}) as status,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(_batch_date as date) as batch_date,
        cast(_extracted_at as timestamp) as extracted_at
    from source

)

-- rows deleted at the source are left out (docs/design.md, the watermark and its limits)
select * from renamed
where not exists (
    select 1 from {{ sehat.deleted_at_source('appointments') }} as d
    where d.key = cast(renamed.appointment_id as {{ sehat.type_text() }})
)
