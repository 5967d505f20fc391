-- Latest version of each production product row (one row per shop product).
-- raw.prod_products is append-only: keep the newest row per product_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).

with source as (

    {{ latest_row_per_key(source('production', 'prod_products'), 'product_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(product_id as bigint) as product_id,
        cast(sku as {{ sehat.type_text() }}) as sku,
        cast(name as {{ sehat.type_text() }}) as name,
        cast(category as {{ sehat.type_text() }}) as category,
        cast(price as decimal(18, 2)) as price,
        cast(medicine_id as bigint) as medicine_id,
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
left join {{ sehat.deleted_at_source('products') }} as d
    on d.key = cast(renamed.product_id as {{ sehat.type_text() }})
