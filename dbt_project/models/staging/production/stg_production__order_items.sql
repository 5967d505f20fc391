-- Latest version of each production order_item row (one row per order line).
-- raw.prod_order_items is append-only: keep the newest row per order_item_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).

with source as (

    {{ latest_row_per_key(source('production', 'prod_order_items'), 'order_item_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(order_item_id as bigint) as order_item_id,
        cast(order_id as bigint) as order_id,
        cast(product_id as bigint) as product_id,
        cast(quantity as bigint) as quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(_batch_date as date) as batch_date,
        cast(_extracted_at as timestamp) as extracted_at
    from source

)

-- rows deleted at the source are left out (docs/design.md, the watermark and its limits)
select * from renamed
where not exists (
    select 1 from {{ sehat.deleted_at_source('order_items') }} as d
    where d.key = cast(renamed.order_item_id as {{ sehat.type_text() }})
)
