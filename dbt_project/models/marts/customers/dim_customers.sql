-- The single customer view: one row per customer (customer_key from the identity graph), every
-- profile column of int_customers_profiled plus cohort and segment memberships.
-- Anonymous customers (devices that never logged in) are included with user_id NULL.
-- PII: no raw email/phone/name here (md5 of the normalised email/phone, masked name); the raw
-- values are in restricted.dim_customer_pii.
-- Soft delete: a customer whose production user was deleted at the source stays, flagged
-- (is_deleted_at_source, deleted_at_source_on), with its personal columns NULL (staging drops them);
-- no segment holds it (int_customers_deleted_at_source).
--
-- Cohorts come from the ML model (ml/cohorts) which writes ml.customer_cohorts after the
-- marts are built; the view shows the latest trained assignment when that table exists
-- (NULL on a fresh warehouse). It is looked up, not ref()'d: the model reads this mart.

{%- set cohorts = adapter.get_relation(database=target.database, schema='ml', identifier='customer_cohorts') if execute else none %}

with profiles as (

    select * from {{ ref('int_customers_profiled') }}

),

memberships as (

    select customer_key, {{ dbt.listagg('segment_name', "', '", 'order by segment_name') }} as segments,
        count(*) as n_segments
    from {{ ref('fct_segment_memberships_current') }}
    group by customer_key

),

deleted as (

    select customer_key, deleted_at_source_on
    from {{ ref('int_customers_deleted_at_source') }}

)

select
    p.*,
    d.customer_key is not null as is_deleted_at_source,
    d.deleted_at_source_on,
    coalesce(m.n_segments, 0) as n_segments,
    m.segments,
    {%- if cohorts %}
    ch.cohort_id,
    ch.cohort_name
    {%- else %}
    cast(null as integer) as cohort_id,
    cast(null as {{ sehat.type_text() }}) as cohort_name
    {%- endif %}
from profiles as p
left join memberships as m on m.customer_key = p.customer_key
left join deleted as d on d.customer_key = p.customer_key
{%- if cohorts %}
left join {{ cohorts.include(database=False) }} as ch on ch.customer_key = p.customer_key
{%- endif %}
