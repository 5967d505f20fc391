-- Segment: customers who completed a consultation in the 30 days up to as_of_date
-- (as_of_date - 29 .. as_of_date, both included) and placed no order since their
-- latest such consultation (up to as_of_date). Typical use: a reminder to buy the
-- prescribed medicines. One row per customer; customers deleted at the source are left out.

with as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

user_customers as (

    select customer_key, cast(node_value as bigint) as user_id
    from {{ ref('int_identities_resolved') }}
    where node_type = 'user_id'

),

recent_consultations as (

    select
        uc.customer_key,
        max(c.started_at) as last_consultation_at
    from {{ ref('stg_production__consultations') }} as c
    inner join user_customers as uc on uc.user_id = c.user_id
    cross join as_of
    where c.status = 'completed'
        and cast(c.started_at as date) <= as_of.as_of_date
        and cast(c.started_at as date) >= {{ dbt.dateadd('day', -29, 'as_of.as_of_date') }}
    group by uc.customer_key

),

ordered_since as (

    select distinct rc.customer_key
    from recent_consultations as rc
    inner join user_customers as uc on uc.customer_key = rc.customer_key
    inner join {{ ref('stg_production__orders') }} as o on o.user_id = uc.user_id
    cross join as_of
    where {{ is_revenue_order('o.status') }}
        and o.ordered_at >= rc.last_consultation_at
        and cast(o.ordered_at as date) <= as_of.as_of_date

),

members as (

    select
        rc.customer_key,
        d.user_id,
        rc.last_consultation_at,
        {{ dbt.datediff('rc.last_consultation_at', 'as_of.as_of_date', 'day') }} as days_since_consultation,
        as_of.as_of_date
    from recent_consultations as rc
    cross join as_of
    inner join {{ ref('int_customers_profiled') }} as d on d.customer_key = rc.customer_key
    left join ordered_since as os on os.customer_key = rc.customer_key
    where os.customer_key is null
        -- never a customer deleted at the source (docs/design.md)
        and rc.customer_key not in (select customer_key from {{ ref('int_customers_deleted_at_source') }})

)

select * from members
