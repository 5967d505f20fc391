-- Content impressions and clicks per audience: one row per (segment_name, content_id), where
-- segment_name is each declared segment (today's members' whole history) plus `all`
-- (every customer). The ranked lists are computed from this by ml/content_ranking.

with events as (

    select
        d.customer_key,
        e.event_name,
        {{ sehat.json_text('e.event_props', 'content_id') }} as content_id,
        {{ sehat.json_text('e.event_props', 'content_type') }} as content_type,
        {{ sehat.json_text('e.event_props', 'placement') }} as placement
    from {{ ref('stg_clevertap__events') }} as e
    inner join {{ ref('int_identities_resolved') }} as d
        on d.node_type = 'objectId' and d.node_value = e.object_id
    where e.event_name in ('Content Viewed', 'Content Clicked')

),

per_customer as (

    select
        customer_key,
        content_id,
        min(content_type) as content_type,
        min(placement) as placement,
        sum(case when event_name = 'Content Viewed' then 1 else 0 end) as impressions,
        sum(case when event_name = 'Content Clicked' then 1 else 0 end) as clicks
    from events
    where content_id is not null
    group by customer_key, content_id

),

audiences as (

    select segment_name, customer_key from {{ ref('fct_segment_memberships_current') }}
    union all
    select cast('all' as {{ sehat.type_text() }}) as segment_name, customer_key from per_customer

)

select
    a.segment_name,
    p.content_id,
    min(p.content_type) as content_type,
    min(p.placement) as placement,
    count(distinct p.customer_key) as customers,
    sum(p.impressions) as impressions,
    sum(p.clicks) as clicks
from (select distinct segment_name, customer_key from audiences) as a
inner join per_customer as p on p.customer_key = a.customer_key
group by a.segment_name, p.content_id
