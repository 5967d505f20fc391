-- Every normalised value of every prescription, one row each: the long table the recommender
-- counts on (field in complaint, diagnosis, medicine, brand, molecule, lab_test, advice).
-- Complaints are keys, diagnoses upper-case codes, medicines catalogue strings with their brand
-- and molecule_key, lab tests and advice normalised vocabulary entries. Distinct per prescription.

with items as (

    select prescription_id, 'complaint' as field, complaint_key as value
    from {{ ref('fct_prescription_complaints') }} where not is_blank_key
    union all
    select prescription_id, 'diagnosis', diagnosis_code from {{ ref('fct_prescription_diagnoses') }}
    union all
    select prescription_id, 'medicine', medicine_raw from {{ ref('fct_prescription_medicines') }}
    union all
    select prescription_id, 'brand', coalesce(brand, upper(medicine_raw)) from {{ ref('fct_prescription_medicines') }}
    union all
    select prescription_id, 'molecule', molecule_key from {{ ref('fct_prescription_medicines') }}
    union all
    select prescription_id, 'lab_test', lab_test from {{ ref('fct_prescription_lab_tests') }}
    union all
    select prescription_id, 'advice', advice from {{ ref('fct_prescription_advice') }}

)

select distinct
    items.prescription_id,
    p.prescribed_at,
    items.field,
    items.value
from items
join {{ ref('stg_production__prescriptions') }} as p using (prescription_id)
