-- One row per (experiment, customer) exposed to it: the variant seen in `Experiment Viewed`
-- events and when. A customer seen in more than one variant of an experiment (e.g. an
-- anonymous device bucketed differently before login) is flagged and left out of results.

with views as (

    select
        d.customer_key,
        {{ sehat.json_text('e.event_props', 'experiment_id') }} as experiment_id,
        {{ sehat.json_text('e.event_props', 'variant') }} as variant,
        e.event_at
    from {{ ref('stg_clevertap__events') }} as e
    inner join {{ ref('int_identities_resolved') }} as d
        on d.node_type = 'objectId' and d.node_value = e.object_id
    where e.event_name = 'Experiment Viewed'

)

select
    experiment_id,
    customer_key,
    min(variant) as variant,
    count(distinct variant) > 1 as has_variant_conflict,
    min(event_at) as first_exposed_at,
    max(event_at) as last_exposed_at,
    count(*) as n_exposures
from views
where experiment_id is not null and variant is not null
group by experiment_id, customer_key
