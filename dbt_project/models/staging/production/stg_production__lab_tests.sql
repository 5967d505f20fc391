-- Latest version of each production lab_test row (one row per lab test).
-- raw.prod_lab_tests is append-only: keep the newest row per lab_test_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).

with source as (

    {{ latest_row_per_key(source('production', 'prod_lab_tests'), 'lab_test_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(lab_test_id as bigint) as lab_test_id,
        cast(name as {{ sehat.type_text() }}) as name,
        cast(category as {{ sehat.type_text() }}) as category,
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
left join {{ sehat.deleted_at_source('lab_tests') }} as d
    on d.key = cast(renamed.lab_test_id as {{ sehat.type_text() }})
