-- Every CleverTap device (objectId) with events maps to exactly one dim_customers row,
-- and dim_customers accounts for every deduplicated event that is attributed: every event of a
-- device, and the events without an objectId that the identity graph attributes.

with devices as (

    select object_id, count(*) as n_events
    from {{ ref('stg_clevertap__events') }}
    where object_id is not null
    group by object_id

),

device_customers as (

    select node_value as object_id, customer_key
    from {{ ref('int_identities_resolved') }}
    where node_type = 'objectId'

),

unmapped as (

    select d.object_id, 'device has no single customer' as problem
    from devices as d
    left join device_customers as dc on dc.object_id = d.object_id
    left join {{ ref('dim_customers') }} as c on c.customer_key = dc.customer_key
    group by d.object_id
    having count(c.customer_key) <> 1

),

event_totals as (

    select
        'n_events does not add up' as problem,
        (select count(*) from {{ ref('stg_clevertap__events') }} where object_id is not null)
        + (select count(*) from {{ ref('int_events_without_object_id_attributed') }} where customer_key is not null)
            as staged,
        (select sum(n_events) from {{ ref('dim_customers') }}) as in_dim

)

select object_id, problem from unmapped
union all
select null, problem from event_totals where staged <> coalesce(in_dim, 0)
