-- Latest version of each production consultation row (one row per consultation).
-- raw.prod_consultations is append-only: keep the newest row per consultation_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).

with source as (

    {{ latest_row_per_key(source('production', 'prod_consultations'), 'consultation_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(consultation_id as bigint) as consultation_id,
        cast(user_id as bigint) as user_id,
        cast(doctor_id as bigint) as doctor_id,
        cast(speciality as {{ sehat.type_text() }}) as speciality,
        cast(started_at as timestamp) as started_at,
        cast(ended_at as timestamp) as ended_at,
        cast(status as {{ sehat.type_text() }}) as status,
        cast(fee as decimal(18, 2)) as fee,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(_batch_date as date) as batch_date,
        cast(_extracted_at as timestamp) as extracted_at
    from source

)

-- rows deleted at the source are left out (docs/design.md, the watermark and its limits)
select * from renamed
where not exists (
    select 1 from {{ sehat.deleted_at_source('consultations') }} as d
    where d.key = cast(renamed.consultation_id as {{ sehat.type_text() }})
)
