-- One row per (customer_key, production user_id): the bridge every customer summary joins through.
-- The cast sits inside the CASE so no engine ever casts an objectId / email node to a number
-- (DuckDB may evaluate a projection before a pushed-down filter).

select
    customer_key,
    case when node_type = 'user_id' then cast(node_value as bigint) end as user_id
from {{ ref('int_identities_resolved') }}
where node_type = 'user_id'
