-- No segment (compiled or hand-written) holds a customer deleted at the source: they are never
-- published (the release gate checks the same on every export).
select m.segment_name, m.customer_key
from {{ ref('fct_segment_memberships_current') }} as m
inner join {{ ref('int_customers_deleted_at_source') }} as d on d.customer_key = m.customer_key
