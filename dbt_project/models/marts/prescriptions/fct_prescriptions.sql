-- The clean prescription: one row per prescription with its fields as lists (raw and normalised),
-- the context the recommender conditions on, and the empty-prescription flag. This is the input
-- format of ml.prescriptions (train / evaluate read it as is).

with prescriptions as (

    select * from {{ ref('stg_production__prescriptions') }}

),

complaints as (

    select prescription_id,
           {{ sehat.list_agg("complaint_raw", 'position') }} as complaints,
           {{ sehat.list_agg("complaint_key", 'position', filter='not is_blank_key') }} as complaint_keys
    from {{ ref('fct_prescription_complaints') }}
    group by 1

),

diagnoses as (

    select prescription_id,
           {{ sehat.list_agg("diagnosis_code", 'position') }} as diagnoses,
           {{ sehat.list_agg("coalesce(description, diagnosis_code)", 'position') }} as diagnosis_descriptions,
           bool_and(is_valid_code) as all_diagnoses_valid
    from {{ ref('fct_prescription_diagnoses') }}
    group by 1

),

medicines as (

    select prescription_id,
           {{ sehat.list_agg("medicine_raw", 'position') }} as medicines,
           {{ sehat.list_agg("coalesce(brand, upper(medicine_raw))", 'position') }} as medicine_brands,
           {{ sehat.list_agg("molecule_key", 'position') }} as medicine_molecules,
           count(*) filter (where not is_parsed) as n_unparsed_medicines
    from {{ ref('fct_prescription_medicines') }}
    group by 1

),

lab_tests as (

    select prescription_id, {{ sehat.list_agg("lab_test", 'position') }} as lab_tests
    from {{ ref('fct_prescription_lab_tests') }}
    group by 1

),

advice as (

    select prescription_id, {{ sehat.list_agg("advice", 'position') }} as advice
    from {{ ref('fct_prescription_advice') }}
    group by 1

),

joined as (

    select
        p.prescription_id,
        p.consultation_id,
        p.doctor_id,
        p.user_id as patient_id,
        p.prescribed_at,
        d.speciality,
        cast({{ age_in_years('u.birth_date', 'cast(p.prescribed_at as date)') }} as bigint) as patient_age,
        u.gender as patient_gender,
        coalesce(c.complaints, {{ sehat.empty_list() }}) as complaints,
        coalesce(c.complaint_keys, {{ sehat.empty_list() }}) as complaint_keys,
        coalesce(dx.diagnoses, {{ sehat.empty_list() }}) as diagnoses,
        coalesce(dx.diagnosis_descriptions, {{ sehat.empty_list() }}) as diagnosis_descriptions,
        coalesce(m.medicines, {{ sehat.empty_list() }}) as medicines,
        coalesce(m.medicine_brands, {{ sehat.empty_list() }}) as medicine_brands,
        coalesce(m.medicine_molecules, {{ sehat.empty_list() }}) as medicine_molecules,
        coalesce(l.lab_tests, {{ sehat.empty_list() }}) as lab_tests,
        coalesce(a.advice, {{ sehat.empty_list() }}) as advice,
        nullif(trim(p.notes), '') as notes,
        coalesce(dx.all_diagnoses_valid, true) as all_diagnoses_valid,
        coalesce(m.n_unparsed_medicines, 0) as n_unparsed_medicines
    from prescriptions as p
    left join {{ ref('stg_production__doctors') }} as d using (doctor_id)
    left join {{ ref('stg_production__users') }} as u using (user_id)
    left join complaints as c using (prescription_id)
    left join diagnoses as dx using (prescription_id)
    left join medicines as m using (prescription_id)
    left join lab_tests as l using (prescription_id)
    left join advice as a using (prescription_id)

)

select
    *,
    {{ sehat.list_length('complaints') }} + {{ sehat.list_length('diagnoses') }} + {{ sehat.list_length('medicines') }} + {{ sehat.list_length('lab_tests') }} + {{ sehat.list_length('advice') }} = 0 as is_empty,
    {{ sehat.list_length('medicines') }} > 0 and {{ sehat.list_length('complaints') }} + {{ sehat.list_length('diagnoses') }} = 0 as is_medicines_only
from joined
