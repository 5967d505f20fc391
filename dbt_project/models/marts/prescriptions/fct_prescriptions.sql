-- The clean prescription: one row per prescription with its fields as lists (raw and normalised),
-- the context the recommender conditions on, and the empty-prescription flag. This is the input
-- format of ml.prescriptions (train / evaluate read it as is).

with prescriptions as (

    select * from {{ ref('stg_production__prescriptions') }}

),

complaints as (

    select prescription_id,
           list(complaint_raw order by position) as complaints,
           list(complaint_key order by position) filter (where not is_blank_key) as complaint_keys
    from {{ ref('fct_prescription_complaints') }}
    group by 1

),

diagnoses as (

    select prescription_id,
           list(diagnosis_code order by position) as diagnoses,
           list(coalesce(description, diagnosis_code) order by position) as diagnosis_descriptions,
           bool_and(is_valid_code) as all_diagnoses_valid
    from {{ ref('fct_prescription_diagnoses') }}
    group by 1

),

medicines as (

    select prescription_id,
           list(medicine_raw order by position) as medicines,
           list(coalesce(brand, upper(medicine_raw)) order by position) as medicine_brands,
           list(molecule_key order by position) as medicine_molecules,
           count(*) filter (where not is_parsed) as n_unparsed_medicines
    from {{ ref('fct_prescription_medicines') }}
    group by 1

),

lab_tests as (

    select prescription_id, list(lab_test order by position) as lab_tests
    from {{ ref('fct_prescription_lab_tests') }}
    group by 1

),

advice as (

    select prescription_id, list(advice order by position) as advice
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
        date_diff('year', u.birth_date, cast(p.prescribed_at as date))
            - case when strftime(cast(p.prescribed_at as date), '%m%d') < strftime(u.birth_date, '%m%d')
                   then 1 else 0 end as patient_age,
        u.gender as patient_gender,
        coalesce(c.complaints, []) as complaints,
        coalesce(c.complaint_keys, []) as complaint_keys,
        coalesce(dx.diagnoses, []) as diagnoses,
        coalesce(dx.diagnosis_descriptions, []) as diagnosis_descriptions,
        coalesce(m.medicines, []) as medicines,
        coalesce(m.medicine_brands, []) as medicine_brands,
        coalesce(m.medicine_molecules, []) as medicine_molecules,
        coalesce(l.lab_tests, []) as lab_tests,
        coalesce(a.advice, []) as advice,
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
    len(complaints) + len(diagnoses) + len(medicines) + len(lab_tests) + len(advice) = 0 as is_empty,
    len(medicines) > 0 and len(complaints) + len(diagnoses) = 0 as is_medicines_only
from joined
