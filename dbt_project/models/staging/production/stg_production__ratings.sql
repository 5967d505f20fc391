-- Latest version of each production rating row (one row per rating).
-- raw.prod_ratings is append-only: keep the newest row per rating_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).

with source as (

    {{ latest_row_per_key(source('production', 'prod_ratings'), 'rating_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(rating_id as bigint) as rating_id,
        cast(consultation_id as bigint) as consultation_id,
        cast(user_id as bigint) as user_id,
        cast(doctor_id as bigint) as doctor_id,
        cast(stars as integer) as stars,
        cast(comment as {{ sehat.type_text() }}) as comment,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(_batch_date as date) as batch_date,
        cast(_extracted_at as timestamp) as extracted_at
    from source

)

-- rows deleted at the source are left out (docs/design.md, the watermark and its limits)
select * from renamed
where not exists (
    select 1 from {{ sehat.deleted_at_source('ratings') }} as d
    where d.key = cast(renamed.rating_id as {{ sehat.type_text() }})
)
