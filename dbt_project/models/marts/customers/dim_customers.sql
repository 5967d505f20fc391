-- One row per customer (customer_key from the identity graph): who they are and what
-- they did, across app events (CleverTap) and the production database.
-- Anonymous customers (devices that never logged in) are included with user_id NULL.
-- PII: no raw email/phone (md5 of the normalized value instead) and a masked name,
-- until the PII issue defines the real policy (macro mask_name).

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

user_customers as (

    select customer_key, cast(node_value as bigint) as user_id
    from identities
    where node_type = 'user_id'

),

device_customers as (

    select customer_key, node_value as object_id
    from identities
    where node_type = 'objectId'

),

users as (

    select * from {{ ref('stg_production__users') }}

),

-- app events -------------------------------------------------------------------------

events as (

    select d.customer_key, e.event_key, e.event_name, e.event_at, e.platform, e.identity
    from {{ ref('stg_clevertap__events') }} as e
    inner join device_customers as d on d.object_id = e.object_id

),

event_summary as (

    select
        customer_key,
        count(*) as n_events,
        min(event_at) as first_event_at,
        min(identity) as event_identity
    from events
    group by customer_key

),

last_events as (

    {{ latest_row_per_key('events', 'customer_key', 'event_at desc, event_key asc') }}

),

customer_platforms as (

    select customer_key, {{ dbt.listagg('platform', "', '", 'order by platform') }} as platforms
    from (select distinct customer_key, platform from events where platform is not null) as p
    group by customer_key

),

-- production activity ----------------------------------------------------------------

orders as (

    select
        uc.customer_key,
        count(*) as n_orders,
        sum(o.total_amount) as total_spend,
        min(o.ordered_at) as first_order_at,
        max(o.ordered_at) as last_order_at
    from {{ ref('stg_production__orders') }} as o
    inner join user_customers as uc on uc.user_id = o.user_id
    where {{ is_revenue_order('o.status') }}
    group by uc.customer_key

),

consultations as (

    select
        uc.customer_key,
        count(*) as n_consultations,
        min(c.started_at) as first_consultation_at,
        max(c.started_at) as last_consultation_at
    from {{ ref('stg_production__consultations') }} as c
    inner join user_customers as uc on uc.user_id = c.user_id
    where c.status = 'completed'
    group by uc.customer_key

),

lab_bookings as (

    select
        uc.customer_key,
        count(*) as n_lab_bookings,
        min(b.booked_at) as first_lab_booking_at,
        max(b.booked_at) as last_lab_booking_at
    from {{ ref('stg_production__lab_bookings') }} as b
    inner join user_customers as uc on uc.user_id = b.user_id
    group by uc.customer_key

),

appointments as (

    -- activity time = when the appointment was booked (scheduled_at may be in the future)
    select
        uc.customer_key,
        count(*) as n_appointments,
        min(a.created_at) as first_appointment_booked_at,
        max(a.created_at) as last_appointment_booked_at
    from {{ ref('stg_production__appointments') }} as a
    inner join user_customers as uc on uc.user_id = a.user_id
    group by uc.customer_key

),

final as (

    select
        -- who
        c.customer_key,
        c.user_id,
        coalesce(u.identity, ev.event_identity) as identity,
        {{ mask_name('u.name') }} as name,
        u.city,
        u.gender,
        {{ age_in_years('u.birth_date', 'as_of.as_of_date') }} as age,

        -- seen (least/greatest skip NULLs on DuckDB and PostgreSQL)
        least(
            u.signup_at, ev.first_event_at, o.first_order_at,
            co.first_consultation_at, lb.first_lab_booking_at, ap.first_appointment_booked_at
        ) as first_seen_at,
        greatest(
            u.signup_at, le.event_at, o.last_order_at,
            co.last_consultation_at, lb.last_lab_booking_at, ap.last_appointment_booked_at
        ) as last_seen_at,

        -- app (CleverTap)
        c.n_devices,
        pl.platforms,
        coalesce(ev.n_events, 0) as n_events,
        le.event_name as last_event_name,
        le.event_at as last_event_at,

        -- commerce and care (production)
        coalesce(o.n_orders, 0) as n_orders,
        coalesce(o.total_spend, 0) as total_spend,
        o.last_order_at,
        coalesce(co.n_consultations, 0) as n_consultations,
        co.last_consultation_at,
        coalesce(lb.n_lab_bookings, 0) as n_lab_bookings,
        coalesce(ap.n_appointments, 0) as n_appointments,

        -- extras
        c.user_id is null as is_anonymous,
        c.n_user_ids,
        u.signup_at,
        {{ hash_identifier(normalize_email('u.email')) }} as email_md5,
        {{ hash_identifier(normalize_phone('u.phone')) }} as phone_md5

    from customers as c
    cross join as_of
    left join users as u on u.user_id = c.user_id
    left join event_summary as ev on ev.customer_key = c.customer_key
    left join last_events as le on le.customer_key = c.customer_key
    left join customer_platforms as pl on pl.customer_key = c.customer_key
    left join orders as o on o.customer_key = c.customer_key
    left join consultations as co on co.customer_key = c.customer_key
    left join lab_bookings as lb on lb.customer_key = c.customer_key
    left join appointments as ap on ap.customer_key = c.customer_key

)

select * from final
