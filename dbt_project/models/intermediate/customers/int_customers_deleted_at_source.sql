-- Customers with a production user deleted at the source: one row per customer_key. dim_customers
-- flags them (soft delete) and every segment leaves them out (docs/design.md, the watermark and its
-- limits). Upstream of both, because dim_customers reads the segment memberships.

select
    m.customer_key,
    max(u.deleted_at_source_on) as deleted_at_source_on,
    count(*) as n_user_ids_deleted
from {{ ref('int_customer_users_mapped') }} as m
inner join {{ ref('stg_production__users') }} as u on u.user_id = m.user_id
where u.is_deleted_at_source
group by m.customer_key
