-- A table, not a view like the rest of intermediate/: the recursion is the most expensive
-- step of the build (about 3.5 s for 100k users on a small machine) and ~15 nodes read it
-- (both marts and their tests), so it is computed once per build.
{{ config(materialized='table') }}

-- Connected components of the identity graph: one row per node with its customer_key.
--
-- Algorithm: minimum-label propagation (macro connected_components: a recursive CTE on DuckDB
-- and PostgreSQL, a fixed number of rounds on Spark, whose recursive CTEs allow no UNION). Every node starts labelled with itself; a label flows along an edge
-- only to nodes that sort after it, so each node collects the labels of the smaller
-- nodes it is connected to, and its component id is the smallest of them.
-- Termination: UNION (not UNION ALL) discards (node, label) pairs already produced and
-- there are finitely many pairs, so the recursion stops after at most the component's
-- diameter + 1 rounds. Cost is bounded by the number of (node, smaller node in the same
-- component) pairs: fine for customer-sized components (a handful of devices, emails
-- and phones); the shared-contact guard in int_identity_edges_collected keeps
-- components from snowballing.
--
-- customer_key is deterministic from the component:
--   md5('user_id:' || smallest production user_id)  when the component holds a user,
--   md5(smallest node id)                              otherwise (anonymous devices).
-- So an anonymous device's key changes once when it logs in (it joins the user's
-- component) and is stable from then on.

{{ sehat.with_recursive() }} edges as (

    select from_node, from_type, from_value, to_node, to_type, to_value
    from {{ ref('int_identity_edges_collected') }}

),

nodes as (

    select from_node as node_id, from_type as node_type, from_value as node_value from edges
    union
    select to_node, to_type, to_value from edges

),

neighbours as (

    select from_node as node_id, to_node as neighbour_id from edges where from_node <> to_node
    union
    select to_node, from_node from edges where from_node <> to_node

),

{{ sehat.connected_components('nodes', 'neighbours') }}

component_users as (

    select c.component_id, min(cast(n.node_value as bigint)) as user_id
    from components as c
    inner join nodes as n on n.node_id = c.node_id
    where n.node_type = 'user_id'
    group by c.component_id

),

resolved as (

    select
        n.node_id,
        n.node_type,
        n.node_value,
        c.component_id,
        u.user_id as customer_user_id,
        case
            when u.user_id is not null then 'user_id:' || cast(u.user_id as {{ sehat.type_text() }})
            else c.component_id
        end as customer_anchor
    from nodes as n
    inner join components as c on c.node_id = n.node_id
    left join component_users as u on u.component_id = c.component_id

)

select
    md5(customer_anchor) as customer_key,
    customer_anchor,
    customer_user_id,
    node_id,
    node_type,
    node_value,
    component_id
from resolved
