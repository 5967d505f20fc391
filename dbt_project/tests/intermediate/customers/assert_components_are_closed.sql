-- The two ends of every identity edge resolved to the same customer (components are closed
-- under the edges, i.e. label propagation converged).

select e.from_node, e.to_node, f.customer_key as from_customer, t.customer_key as to_customer
from {{ ref('int_identity_edges_collected') }} as e
inner join {{ ref('int_identities_resolved') }} as f on f.node_id = e.from_node
inner join {{ ref('int_identities_resolved') }} as t on t.node_id = e.to_node
where f.customer_key <> t.customer_key
