-- One row per customer with app events: activity, notifications per channel (sent / viewed /
-- clicked, click-through rate = clicked / sent), content engagement, preferred product
-- category (most viewed / added to cart), platforms, device makes and models, app version.
-- Events of a record without an objectId count when the identity graph attributes them
-- (int_events_without_object_id_attributed).
-- Channels are CleverTap campaign types (push, in_app, web_push); other types count in the
-- totals only.

{%- set channels = ['push', 'in_app', 'web_push'] %}

with devices as (

    select customer_key, node_value as object_id
    from {{ ref('int_identities_resolved') }}
    where node_type = 'objectId'

),

events as (

    select
        d.customer_key,
        e.event_key,
        e.event_name,
        e.event_at,
        e.platform,
        e.device_make,
        e.device_model,
        e.app_version,
        e.identity,
        e.event_props
    from {{ ref('stg_clevertap__events') }} as e
    inner join devices as d on d.object_id = e.object_id

    union all

    -- events whose record has no objectId, where the graph knows whose they are; the others
    -- stay out of every customer's figures
    select
        customer_key, event_key, event_name, event_at, platform, device_make, device_model, app_version, identity,
        event_props
    from {{ ref('int_events_without_object_id_attributed') }}
    where customer_key is not null

),

activity as (

    select
        customer_key,
        count(*) as n_events,
        count(distinct cast(event_at as date)) as n_active_days,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        min(identity) as event_identity,
        sum(case when event_name = 'App Launched' then 1 else 0 end) as n_app_launches,
        sum(case when event_name = 'Search' then 1 else 0 end) as n_searches,
        sum(case when event_name = 'Product Viewed' then 1 else 0 end) as n_product_views,
        sum(case when event_name = 'Added To Cart' then 1 else 0 end) as n_add_to_carts,
        sum(case when event_name = 'Content Viewed' then 1 else 0 end) as n_content_views,
        sum(case when event_name = 'Content Clicked' then 1 else 0 end) as n_content_clicks,
        {%- for channel in channels %}
        sum(case when event_name = 'Notification Sent' and {{ sehat.json_text('event_props', 'campaign_type') }} = '{{ channel }}' then 1 else 0 end) as {{ channel }}_sent,
        sum(case when event_name = 'Notification Viewed' and {{ sehat.json_text('event_props', 'campaign_type') }} = '{{ channel }}' then 1 else 0 end) as {{ channel }}_viewed,
        sum(case when event_name = 'Notification Clicked' and {{ sehat.json_text('event_props', 'campaign_type') }} = '{{ channel }}' then 1 else 0 end) as {{ channel }}_clicked,
        {%- endfor %}
        sum(case when event_name = 'Notification Sent' then 1 else 0 end) as notifications_sent,
        sum(case when event_name = 'Notification Viewed' then 1 else 0 end) as notifications_viewed,
        sum(case when event_name = 'Notification Clicked' then 1 else 0 end) as notifications_clicked
    from events
    group by customer_key

),

last_events as (

    {{ latest_row_per_key('events', 'customer_key', 'event_at desc, event_key asc') }}

),

category_interest as (

    select customer_key, {{ sehat.json_text('event_props', 'category') }} as category, count(*) as n
    from events
    where event_name = 'Product Viewed' and {{ sehat.json_text('event_props', 'category') }} is not null
    group by customer_key, {{ sehat.json_text('event_props', 'category') }}

),

preferred_category as (

    {{ latest_row_per_key('category_interest', 'customer_key', 'n desc, category asc') }}

),

platforms as (

    select customer_key, {{ dbt.listagg('platform', "', '", 'order by platform') }} as platforms
    from (select distinct customer_key, platform from events where platform is not null) as p
    group by customer_key

),

device_models as (

    select customer_key,
        {{ dbt.listagg('device', "', '", 'order by device') }} as devices
    from (
        select distinct customer_key, device_make || ' ' || device_model as device
        from events
        where device_make is not null and device_model is not null
    ) as d
    group by customer_key

)

select
    a.*,
    {%- for channel in channels %}
    case when a.{{ channel }}_sent > 0 then cast(a.{{ channel }}_clicked as {{ sehat.type_double() }}) / a.{{ channel }}_sent end
        as {{ channel }}_ctr,
    {%- endfor %}
    case when a.notifications_sent > 0 then cast(a.notifications_clicked as {{ sehat.type_double() }}) / a.notifications_sent end
        as notification_ctr,
    case when a.n_content_views > 0 then cast(a.n_content_clicks as {{ sehat.type_double() }}) / a.n_content_views end
        as content_ctr,
    le.event_name as last_event_name,
    le.app_version as last_app_version,
    pc.category as preferred_category,
    p.platforms,
    dm.devices
from activity as a
left join last_events as le on le.customer_key = a.customer_key
left join preferred_category as pc on pc.customer_key = a.customer_key
left join platforms as p on p.customer_key = a.customer_key
left join device_models as dm on dm.customer_key = a.customer_key
