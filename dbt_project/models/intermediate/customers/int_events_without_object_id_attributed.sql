-- CleverTap events whose record carries no objectId (CleverTap's own samples of installs,
-- uninstalls and campaign sends have none), attributed to a customer where the identity graph
-- already knows one of their identifiers. One row per such event (grain: event_key).
--
-- These records add no edge to the graph (int_identity_edges_collected reads only records with an
-- objectId): they are looked up in it. Candidates, normalised as the graph normalises its nodes:
--   identity, each value of all_identities (typed email / phone / identity as the graph types
--   them), email, phone. Phones are compared on their digits: CleverTap writes a phone as a JSON
--   number too (918879382967), which has lost its '+'.
-- An event is attributed when its candidates lead to exactly one customer; none or several
-- (a shared contact is not in the graph at all) leave it unattributed: customer_key NULL. Such
-- events count in event-level figures (`sehat status`) and in no customer's.

with events as (

    select
        event_key, event_name, event_at, platform, device_make, device_model, app_version, identity,
        all_identities, email, phone, event_props
    from {{ ref('stg_clevertap__events') }}
    where object_id is null

),

items as (

    select event_key, trim(item) as alias
    from (
        {{ sehat.unnest_with_position('events', ['event_key'], 'all_identities') }}
    ) as unnested

),

candidates as (

    select event_key, 'identity' as attributed_by, 1 as rank_, 'identity' as node_type, identity as node_value
    from events where identity is not null

    union all
    select event_key, 'all_identities', 2,
        case
            when alias like '%@%' then 'email'
            when translate(alias, '+0123456789 -()', '') = '' then 'phone'
            else 'identity'
        end,
        case
            when alias like '%@%' then {{ normalize_email('alias') }}
            when translate(alias, '+0123456789 -()', '') = '' then replace({{ normalize_phone('alias') }}, '+', '')
            else alias
        end
    from items where alias <> ''

    union all
    select event_key, 'email', 3, 'email', {{ normalize_email('email') }}
    from events where {{ normalize_email('email') }} is not null

    union all
    select event_key, 'phone', 4, 'phone', replace({{ normalize_phone('phone') }}, '+', '')
    from events where {{ normalize_phone('phone') }} is not null

),

-- the graph's nodes as candidates name them (phones by their digits)
nodes as (

    select
        node_type,
        case when node_type = 'phone' then replace(node_value, '+', '') else node_value end as node_value,
        customer_key
    from {{ ref('int_identities_resolved') }}
    where node_type in ('identity', 'email', 'phone')

),

matches as (

    select distinct c.event_key, c.attributed_by, c.rank_, n.customer_key
    from candidates as c
    inner join nodes as n on n.node_type = c.node_type and n.node_value = c.node_value

),

per_event as (

    select
        event_key,
        count(distinct customer_key) as n_candidate_customers,
        min(customer_key) as customer_key,
        min(rank_) as best_rank
    from matches
    group by event_key

)

select
    e.event_key,
    e.event_name,
    e.event_at,
    case when p.n_candidate_customers = 1 then p.customer_key end as customer_key,
    case when p.n_candidate_customers = 1 then
        case p.best_rank when 1 then 'identity' when 2 then 'all_identities' when 3 then 'email' else 'phone' end
    end as attributed_by,
    coalesce(p.n_candidate_customers, 0) as n_candidate_customers,
    e.platform,
    e.device_make,
    e.device_model,
    e.app_version,
    e.identity,
    e.event_props
from events as e
left join per_event as p on p.event_key = e.event_key
