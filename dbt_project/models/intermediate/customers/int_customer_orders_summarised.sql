-- One row per customer with at least one revenue order: counts, spend, RFM scores and the
-- medicine / product categories bought. RFM: recency = days from the last order to the
-- as-of date, frequency = orders, monetary = spend; each scored 1..5 by quintile (5 = best)
-- among customers who ordered.

with as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

orders as (

    select uc.customer_key, o.order_id, o.ordered_at, o.total_amount
    from {{ ref('stg_production__orders') }} as o
    inner join {{ ref('int_customer_users_mapped') }} as uc on uc.user_id = o.user_id
    where {{ is_revenue_order('o.status') }}

),

per_customer as (

    select
        customer_key,
        count(*) as n_orders,
        sum(total_amount) as total_spend,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at
    from orders
    group by customer_key

),

scored as (

    select
        p.*,
        {{ dbt.datediff('p.last_order_at', 'as_of.as_of_date', 'day') }} as days_since_last_order,
        -- customer_key breaks ties: without it, equal values on a quintile boundary land in either
        -- quintile at random (a rerun, or another engine, could score the same customer differently)
        ntile(5) over (order by p.last_order_at asc, p.customer_key) as recency_score,
        ntile(5) over (order by p.n_orders asc, p.total_spend asc, p.customer_key) as frequency_score,
        ntile(5) over (order by p.total_spend asc, p.customer_key) as monetary_score
    from per_customer as p
    cross join as_of

),

items as (

    select o.customer_key, pr.category, sum(oi.quantity) as quantity
    from orders as o
    inner join {{ ref('stg_production__order_items') }} as oi on oi.order_id = o.order_id
    inner join {{ ref('stg_production__products') }} as pr on pr.product_id = oi.product_id
    where pr.category is not null
    group by o.customer_key, pr.category

),

categories as (

    select customer_key, {{ dbt.listagg('category', "', '", 'order by category') }} as categories_bought,
        count(*) as n_categories_bought
    from items
    group by customer_key

),

top_category as (

    {{ latest_row_per_key('items', 'customer_key', 'quantity desc, category asc') }}

)

select
    s.customer_key,
    s.n_orders,
    s.total_spend,
    s.first_order_at,
    s.last_order_at,
    s.days_since_last_order,
    s.recency_score,
    s.frequency_score,
    s.monetary_score,
    cast(s.recency_score as {{ sehat.type_text() }}) || cast(s.frequency_score as {{ sehat.type_text() }}) || cast(s.monetary_score as {{ sehat.type_text() }})
        as rfm_code,
    case
        when s.recency_score >= 4 and s.frequency_score >= 4 then 'champion'
        when s.recency_score >= 3 and s.frequency_score >= 3 then 'loyal'
        when s.recency_score >= 4 and s.frequency_score <= 2 then 'new_buyer'
        when s.recency_score <= 2 and s.frequency_score >= 3 then 'at_risk'
        when s.recency_score <= 2 then 'hibernating'
        else 'needs_attention'
    end as rfm_segment,
    c.categories_bought,
    coalesce(c.n_categories_bought, 0) as n_categories_bought,
    t.category as top_purchased_category
from scored as s
left join categories as c on c.customer_key = s.customer_key
left join top_category as t on t.customer_key = s.customer_key
