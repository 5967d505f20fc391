-- Latest version of each production lab_booking row (one row per lab booking).
-- raw.prod_lab_bookings is append-only: keep the newest row per booking_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).

with source as (

    {{ latest_row_per_key(source('production', 'prod_lab_bookings'), 'booking_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(booking_id as bigint) as booking_id,
        cast(user_id as bigint) as user_id,
        cast(lab_test_id as bigint) as lab_test_id,
        cast(booked_at as timestamp) as booked_at,
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
    select 1 from {{ sehat.deleted_at_source('lab_bookings') }} as d
    where d.key = cast(renamed.booking_id as {{ sehat.type_text() }})
)
