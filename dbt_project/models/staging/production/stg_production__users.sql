-- Latest version of each production user row (one row per user).
-- raw.prod_users is append-only: keep the newest row per user_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).

with source as (

    {{ latest_row_per_key(source('production', 'prod_users'), 'user_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(user_id as bigint) as user_id,
        cast(identity as {{ sehat.type_text() }}) as identity,
        cast(name as {{ sehat.type_text() }}) as name,
        cast(email as {{ sehat.type_text() }}) as email,
        cast(phone as {{ sehat.type_text() }}) as phone,
        cast(gender as {{ sehat.type_text() }}) as gender,
        cast(birth_date as date) as birth_date,
        cast(city as {{ sehat.type_text() }}) as city,
        cast(signup_at as timestamp) as signup_at,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(_batch_date as date) as batch_date,
        cast(_extracted_at as timestamp) as extracted_at
    from source

)

select * from renamed
