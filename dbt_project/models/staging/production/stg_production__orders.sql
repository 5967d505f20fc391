-- Latest version of each production order row (one row per order).
-- raw.prod_orders is append-only: keep the newest row per order_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).

with source as (

    {{ latest_row_per_key(source('production', 'prod_orders'), 'order_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(order_id as bigint) as order_id,
        cast(user_id as bigint) as user_id,
        cast(status as {{ sehat.type_text() }}) as status,
        cast(ordered_at as timestamp) as ordered_at,
        cast(total_amount as decimal(18, 2)) as total_amount,
        cast(channel as {{ sehat.type_text() }}) as channel,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(_batch_date as date) as batch_date,
        cast(_extracted_at as timestamp) as extracted_at
    from source

)

-- rows deleted at the source are left out (docs/design.md, the watermark and its limits)
select * from renamed
where not exists (
    select 1 from {{ sehat.deleted_at_source('orders') }} as d
    where d.key = cast(renamed.order_id as {{ sehat.type_text() }})
)
