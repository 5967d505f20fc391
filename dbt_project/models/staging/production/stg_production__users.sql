-- Latest version of each production user row (one row per user).
-- raw.prod_users is append-only: keep the newest row per user_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).
-- A user whose row was deleted at the source stays (soft delete): is_deleted_at_source and
-- deleted_at_source_on say so, and the personal columns are NULL whatever raw still holds
-- (`sehat erase` purges raw after every ingest; this is the second line).

with source as (

    {{ latest_row_per_key(source('production', 'prod_users'), 'user_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

deletions as (

    select key, deleted_at_source_on
    from {{ sehat.deleted_at_source('users') }} as d

),

renamed as (

    select
        cast(s.user_id as bigint) as user_id,
        cast(s.identity as {{ sehat.type_text() }}) as identity,
        case when d.key is null then cast(s.name as {{ sehat.type_text() }}) end as name,
        case when d.key is null then cast(s.email as {{ sehat.type_text() }}) end as email,
        case when d.key is null then cast(s.phone as {{ sehat.type_text() }}) end as phone,
        cast(s.gender as {{ sehat.type_text() }}) as gender,
        case when d.key is null then cast(s.birth_date as date) end as birth_date,
        cast(s.city as {{ sehat.type_text() }}) as city,
        cast(s.signup_at as timestamp) as signup_at,
        cast(s.created_at as timestamp) as created_at,
        cast(s.updated_at as timestamp) as updated_at,
        cast(s._batch_date as date) as batch_date,
        cast(s._extracted_at as timestamp) as extracted_at,
        d.key is not null as is_deleted_at_source,
        d.deleted_at_source_on
    from source as s
    left join deletions as d on d.key = cast(s.user_id as {{ sehat.type_text() }})

)

select * from renamed
