-- Restricted: the raw personal data behind dim_customers (name, email, phone, birth date),
-- one row per registered customer. Lives in the `restricted` schema; analysts use the
-- masked / hashed columns of dim_customers instead. On PostgreSQL only the roles in
-- var('restricted_readers') are granted SELECT. A user deleted at the source has no row here.
-- The local Spark metastore has no grants (a cluster's catalog, e.g. Unity Catalog, does): there
-- the DuckDB file split is the door.
{{ config(schema='restricted', grants=sehat.restricted_grants()) }}

select
    c.customer_key,
    u.user_id,
    u.identity,
    u.name,
    u.email,
    u.phone,
    u.birth_date,
    {{ normalize_email('u.email') }} as email_normalised,
    {{ normalize_phone('u.phone') }} as phone_normalised
from {{ ref('int_customer_users_mapped') }} as c
inner join {{ ref('stg_production__users') }} as u on u.user_id = c.user_id
where not u.is_deleted_at_source
