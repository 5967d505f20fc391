-- Latest version of each production prescription row (one row per prescription).
-- raw.prod_prescriptions is append-only: keep the newest row per prescription_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).

with source as (

    {{ latest_row_per_key(source('production', 'prod_prescriptions'), 'prescription_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(prescription_id as bigint) as prescription_id,
        cast(consultation_id as bigint) as consultation_id,
        cast(doctor_id as bigint) as doctor_id,
        cast(user_id as bigint) as user_id,
        cast(prescribed_at as timestamp) as prescribed_at,
        {{ json_text_to_list('complaints') }} as complaints,
        cast(complaints as {{ sehat.type_text() }}) as complaints_json,
        {{ json_text_to_list('diagnoses') }} as diagnoses,
        cast(diagnoses as {{ sehat.type_text() }}) as diagnoses_json,
        {{ json_text_to_list('medicines') }} as medicines,
        cast(medicines as {{ sehat.type_text() }}) as medicines_json,
        {{ json_text_to_list('lab_tests') }} as lab_tests,
        cast(lab_tests as {{ sehat.type_text() }}) as lab_tests_json,
        {{ json_text_to_list('advice') }} as advice,
        cast(advice as {{ sehat.type_text() }}) as advice_json,
        cast(notes as {{ sehat.type_text() }}) as notes,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(_batch_date as date) as batch_date,
        cast(_extracted_at as timestamp) as extracted_at
    from source

)

-- rows deleted at the source are left out (docs/design.md, the watermark and its limits)
select * from renamed
where not exists (
    select 1 from {{ sehat.deleted_at_source('prescriptions') }} as d
    where d.key = cast(renamed.prescription_id as {{ sehat.type_text() }})
)
