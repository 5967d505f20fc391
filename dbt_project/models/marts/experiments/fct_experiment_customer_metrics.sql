-- One row per (experiment, exposed customer without a variant conflict) with the outcome
-- metrics over the whole observed period: orders that the app can influence (channel not
-- `prescription`), their revenue, completed consultations, content impressions and clicks.
-- Variants are a property of the customer (assignment is sticky), so the whole period is
-- the comparison window; exposure only tells us which customers were assigned.

with exposures as (

    select * from {{ ref('fct_experiment_exposures') }} where not has_variant_conflict

),

orders as (

    select u.customer_key, count(*) as n_orders, sum(o.total_amount) as revenue
    from {{ ref('stg_production__orders') }} as o
    inner join {{ ref('int_customer_users_mapped') }} as u on u.user_id = o.user_id
    where {{ is_revenue_order('o.status') }} and coalesce(o.channel, '') <> 'prescription'
    group by u.customer_key

),

consultations as (

    select u.customer_key, count(*) as n_consultations
    from {{ ref('stg_production__consultations') }} as c
    inner join {{ ref('int_customer_users_mapped') }} as u on u.user_id = c.user_id
    where c.status = 'completed'
    group by u.customer_key

)

select
    x.experiment_id,
    x.variant,
    x.customer_key,
    x.first_exposed_at,
    p.user_id is null as is_anonymous,
    coalesce(o.n_orders, 0) as n_orders,
    coalesce(o.revenue, 0) as revenue,
    case when coalesce(o.n_orders, 0) > 0 then 1 else 0 end as converted_order,
    coalesce(c.n_consultations, 0) as n_consultations,
    case when coalesce(c.n_consultations, 0) > 0 then 1 else 0 end as converted_consultation,
    p.n_content_views,
    p.n_content_clicks
from exposures as x
inner join {{ ref('int_customers_profiled') }} as p on p.customer_key = x.customer_key
left join orders as o on o.customer_key = x.customer_key
left join consultations as c on c.customer_key = x.customer_key
