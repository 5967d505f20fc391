-- One row per customer with any care activity: completed consultations (count, specialities,
-- latest speciality and diagnosis group), lab bookings (count, test categories) and hospital
-- appointments (count, specialities).
-- Diagnosis group = ICD-10 chapter of the first diagnosis of the latest prescription.

with users as (

    select * from {{ ref('int_customer_users_mapped') }}

),

consultations as (

    select u.customer_key, c.consultation_id, c.speciality, c.started_at
    from {{ ref('stg_production__consultations') }} as c
    inner join users as u on u.user_id = c.user_id
    where c.status = 'completed'

),

consultation_summary as (

    select customer_key, count(*) as n_consultations, min(started_at) as first_consultation_at,
        max(started_at) as last_consultation_at
    from consultations
    group by customer_key

),

specialities as (

    select customer_key, {{ dbt.listagg('speciality', "', '", 'order by speciality') }} as consultation_specialities
    from (select distinct customer_key, speciality from consultations where speciality is not null) as d
    group by customer_key

),

last_consultation as (

    {{ latest_row_per_key('consultations', 'customer_key', 'started_at desc, consultation_id desc') }}

),

prescriptions as (

    select u.customer_key, p.prescription_id, p.prescribed_at, upper({{ sehat.list_element('p.diagnoses', 1) }}) as first_diagnosis
    from {{ ref('stg_production__prescriptions') }} as p
    inner join users as u on u.user_id = p.user_id
    where p.diagnoses is not null and {{ sehat.list_element('p.diagnoses', 1) }} is not null

),

last_prescription as (

    {{ latest_row_per_key('prescriptions', 'customer_key', 'prescribed_at desc, prescription_id desc') }}

),

labs as (

    select u.customer_key, b.booking_id, b.booked_at, t.category
    from {{ ref('stg_production__lab_bookings') }} as b
    inner join users as u on u.user_id = b.user_id
    left join {{ ref('stg_production__lab_tests') }} as t on t.lab_test_id = b.lab_test_id

),

lab_summary as (

    select customer_key, count(*) as n_lab_bookings, max(booked_at) as last_lab_booking_at,
        min(booked_at) as first_lab_booking_at
    from labs
    group by customer_key

),

lab_categories as (

    select customer_key, {{ dbt.listagg('category', "', '", 'order by category') }} as lab_test_categories
    from (select distinct customer_key, category from labs where category is not null) as d
    group by customer_key

),

appointments as (

    select u.customer_key, a.appointment_id, a.speciality, a.created_at, a.status
    from {{ ref('stg_production__appointments') }} as a
    inner join users as u on u.user_id = a.user_id

),

appointment_summary as (

    select customer_key, count(*) as n_appointments, min(created_at) as first_appointment_booked_at,
        max(created_at) as last_appointment_booked_at
    from appointments
    group by customer_key

),

appointment_specialities as (

    select customer_key, {{ dbt.listagg('speciality', "', '", 'order by speciality') }} as appointment_specialities
    from (select distinct customer_key, speciality from appointments where speciality is not null) as d
    group by customer_key

),

customers as (

    select customer_key from consultation_summary
    union
    select customer_key from lab_summary
    union
    select customer_key from appointment_summary
    union
    select customer_key from last_prescription

)

select
    k.customer_key,
    coalesce(cs.n_consultations, 0) as n_consultations,
    cs.first_consultation_at,
    cs.last_consultation_at,
    sp.consultation_specialities,
    lc.speciality as last_consultation_speciality,
    lp.first_diagnosis as last_diagnosis_code,
    case
        when lp.first_diagnosis is null then null
        when substr(lp.first_diagnosis, 1, 1) in ('A', 'B') then 'infectious'
        when substr(lp.first_diagnosis, 1, 1) = 'C' or lp.first_diagnosis < 'D50' and substr(lp.first_diagnosis, 1, 1) = 'D' then 'neoplasms'
        when substr(lp.first_diagnosis, 1, 1) = 'D' then 'blood_immune'
        when substr(lp.first_diagnosis, 1, 1) = 'E' then 'endocrine_metabolic'
        when substr(lp.first_diagnosis, 1, 1) = 'F' then 'mental_behavioural'
        when substr(lp.first_diagnosis, 1, 1) = 'G' then 'nervous_system'
        when substr(lp.first_diagnosis, 1, 1) = 'H' and lp.first_diagnosis < 'H60' then 'eye'
        when substr(lp.first_diagnosis, 1, 1) = 'H' then 'ear'
        when substr(lp.first_diagnosis, 1, 1) = 'I' then 'circulatory'
        when substr(lp.first_diagnosis, 1, 1) = 'J' then 'respiratory'
        when substr(lp.first_diagnosis, 1, 1) = 'K' then 'digestive'
        when substr(lp.first_diagnosis, 1, 1) = 'L' then 'skin'
        when substr(lp.first_diagnosis, 1, 1) = 'M' then 'musculoskeletal'
        when substr(lp.first_diagnosis, 1, 1) = 'N' then 'genitourinary'
        when substr(lp.first_diagnosis, 1, 1) in ('O', 'P') then 'pregnancy_perinatal'
        when substr(lp.first_diagnosis, 1, 1) = 'Q' then 'congenital'
        when substr(lp.first_diagnosis, 1, 1) = 'R' then 'symptoms_signs'
        when substr(lp.first_diagnosis, 1, 1) in ('S', 'T', 'V', 'W', 'X', 'Y') then 'injury_external'
        when substr(lp.first_diagnosis, 1, 1) = 'Z' then 'health_services_contact'
        else 'other'
    end as last_diagnosis_group,
    coalesce(ls.n_lab_bookings, 0) as n_lab_bookings,
    ls.first_lab_booking_at,
    ls.last_lab_booking_at,
    lcat.lab_test_categories,
    coalesce(aps.n_appointments, 0) as n_appointments,
    aps.first_appointment_booked_at,
    aps.last_appointment_booked_at,
    asp.appointment_specialities
from customers as k
left join consultation_summary as cs on cs.customer_key = k.customer_key
left join specialities as sp on sp.customer_key = k.customer_key
left join last_consultation as lc on lc.customer_key = k.customer_key
left join last_prescription as lp on lp.customer_key = k.customer_key
left join lab_summary as ls on ls.customer_key = k.customer_key
left join lab_categories as lcat on lcat.customer_key = k.customer_key
left join appointment_summary as aps on aps.customer_key = k.customer_key
left join appointment_specialities as asp on asp.customer_key = k.customer_key
