-- Re-derive the segment rule from the other side: no member has a counted order placed
-- between its last consultation and the as-of date, and every member is a dim_customers
-- customer whose latest completed consultation is at or after the segment's one.

with members as (

    select * from {{ ref('seg_consulted_no_order_30d') }}

),

member_orders as (

    select m.customer_key, o.order_id
    from members as m
    inner join {{ ref('int_identities_resolved') }} as i
        on i.customer_key = m.customer_key and i.node_type = 'user_id'
    inner join {{ ref('stg_production__orders') }} as o
        on o.user_id = cast(i.node_value as bigint)
    where {{ is_revenue_order('o.status') }}
        and o.ordered_at >= m.last_consultation_at
        and cast(o.ordered_at as date) <= m.as_of_date

)

select customer_key, 'ordered after the consultation' as problem from member_orders
union all
select m.customer_key, 'consultation not in dim_customers'
from members as m
left join {{ ref('dim_customers') }} as d on d.customer_key = m.customer_key
where d.customer_key is null or d.last_consultation_at < m.last_consultation_at
