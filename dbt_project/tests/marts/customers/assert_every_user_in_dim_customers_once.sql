-- Every production user belongs to exactly one customer, and that customer is in dim_customers.
-- Returns the offending users (a passing test returns no rows).

with users as (

    select user_id from {{ ref('stg_production__users') }}

),

user_customers as (

    select cast(node_value as bigint) as user_id, customer_key
    from {{ ref('int_identities_resolved') }}
    where node_type = 'user_id'

),

checked as (

    select
        u.user_id,
        count(distinct uc.customer_key) as n_customers,
        count(distinct d.customer_key) as n_dim_rows
    from users as u
    left join user_customers as uc on uc.user_id = u.user_id
    left join {{ ref('dim_customers') }} as d on d.customer_key = uc.customer_key
    group by u.user_id

)

select * from checked
where n_customers <> 1 or n_dim_rows <> 1
