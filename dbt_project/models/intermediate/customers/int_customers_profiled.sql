-- The customer profile before segment and cohort memberships: one row per customer_key with
-- demographics, lifecycle, RFM, care, engagement and devices. Segment conditions are
-- evaluated over these columns (dim_customers adds the memberships on top, so segments
-- cannot depend on themselves). A table: every segment reads it.
{{ config(materialized='table') }}

with identities as (

    select * from {{ ref('int_identities_resolved') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

customers as (

    select
        customer_key,
        max(customer_user_id) as user_id,
        count(distinct case when node_type = 'objectId' then node_value end) as n_devices,
        count(distinct case when node_type = 'user_id' then node_value end) as n_user_ids
    from identities
    group by customer_key

),

users as (

    select * from {{ ref('stg_production__users') }}

),

joined as (

    select
        -- who
        c.customer_key,
        c.user_id,
        coalesce(u.identity, ev.event_identity) as identity,
        {{ mask_name('u.name') }} as name,
        u.city,
        u.gender,
        {{ age_in_years('u.birth_date', 'as_of.as_of_date') }} as age,
        u.signup_at,
        c.user_id is null as is_anonymous,
        c.n_user_ids,
        {{ hash_identifier(normalize_email('u.email')) }} as email_md5,
        {{ hash_identifier(normalize_phone('u.phone')) }} as phone_md5,

        -- seen (least/greatest skip NULLs on DuckDB and PostgreSQL)
        least(
            u.signup_at, ev.first_event_at, o.first_order_at, ca.first_consultation_at,
            ca.first_lab_booking_at, ca.first_appointment_booked_at
        ) as first_seen_at,
        greatest(
            u.signup_at, ev.last_event_at, o.last_order_at, ca.last_consultation_at,
            ca.last_lab_booking_at, ca.last_appointment_booked_at
        ) as last_seen_at,
        as_of.as_of_date,

        -- app (CleverTap)
        c.n_devices,
        ev.platforms,
        ev.devices,
        ev.last_app_version,
        coalesce(ev.n_events, 0) as n_events,
        coalesce(ev.n_active_days, 0) as n_active_days,
        ev.last_event_name,
        ev.last_event_at,
        coalesce(ev.n_app_launches, 0) as n_app_launches,
        coalesce(ev.n_searches, 0) as n_searches,
        coalesce(ev.n_product_views, 0) as n_product_views,
        coalesce(ev.n_add_to_carts, 0) as n_add_to_carts,
        coalesce(ev.n_content_views, 0) as n_content_views,
        coalesce(ev.n_content_clicks, 0) as n_content_clicks,
        ev.content_ctr,
        {%- for channel in ['push', 'in_app', 'web_push'] %}
        coalesce(ev.{{ channel }}_sent, 0) as {{ channel }}_sent,
        coalesce(ev.{{ channel }}_viewed, 0) as {{ channel }}_viewed,
        coalesce(ev.{{ channel }}_clicked, 0) as {{ channel }}_clicked,
        ev.{{ channel }}_ctr,
        {%- endfor %}
        coalesce(ev.notifications_sent, 0) as notifications_sent,
        coalesce(ev.notifications_viewed, 0) as notifications_viewed,
        coalesce(ev.notifications_clicked, 0) as notifications_clicked,
        ev.notification_ctr,
        coalesce(ev.preferred_category, o.top_purchased_category) as preferred_category,

        -- commerce (production)
        coalesce(o.n_orders, 0) as n_orders,
        coalesce(o.total_spend, 0) as total_spend,
        o.first_order_at,
        o.last_order_at,
        o.days_since_last_order,
        o.recency_score,
        o.frequency_score,
        o.monetary_score,
        o.rfm_code,
        coalesce(o.rfm_segment, 'no_orders') as rfm_segment,
        o.categories_bought,
        coalesce(o.n_categories_bought, 0) as n_categories_bought,
        o.top_purchased_category,

        -- care (production)
        coalesce(ca.n_consultations, 0) as n_consultations,
        ca.last_consultation_at,
        ca.consultation_specialities,
        ca.last_consultation_speciality,
        ca.last_diagnosis_code,
        ca.last_diagnosis_group,
        coalesce(ca.n_lab_bookings, 0) as n_lab_bookings,
        ca.last_lab_booking_at,
        ca.lab_test_categories,
        coalesce(ca.n_appointments, 0) as n_appointments,
        ca.last_appointment_booked_at,
        ca.appointment_specialities

    from customers as c
    cross join as_of
    left join users as u on u.user_id = c.user_id
    left join {{ ref('int_customer_events_summarised') }} as ev on ev.customer_key = c.customer_key
    left join {{ ref('int_customer_orders_summarised') }} as o on o.customer_key = c.customer_key
    left join {{ ref('int_customer_care_summarised') }} as ca on ca.customer_key = c.customer_key

)

select
    joined.*,
    {{ dbt.datediff('last_seen_at', 'as_of_date', 'day') }} as days_since_last_activity,
    cast({{ dbt.date_trunc('month', 'first_seen_at') }} as date) as acquisition_cohort_month,
    case
        when {{ dbt.datediff('last_seen_at', 'as_of_date', 'day') }} > 90 then 'churned'
        when {{ dbt.datediff('last_seen_at', 'as_of_date', 'day') }} > 30 then 'lapsing'
        when {{ dbt.datediff('first_seen_at', 'as_of_date', 'day') }} <= 30 then 'new'
        else 'active'
    end as lifecycle_stage
from joined
