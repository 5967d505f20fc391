-- Well-formed but wrong dates must not reach the customer view (issue 18): an event dated
-- 9999-12-31 once gave a customer last_seen_at 9999-12-31, days_since_last_activity -2,912,129
-- and lifecycle 'active'; one dated 1970-01-01 gave acquisition_cohort_month 1970-01.
-- The loader quarantines such events (ts_out_of_range); this test catches any that slip
-- through, from CleverTap or the production tables. The platform start is the loader's
-- (SEHAT_CLEVERTAP_PLATFORM_START, default 2013-01-01).

{%- set platform_start = env_var('SEHAT_CLEVERTAP_PLATFORM_START', '2013-01-01') %}

select customer_key, 'last_seen_at in the future' as problem
from {{ ref('dim_customers') }}
where last_seen_at > {{ dbt.dateadd('day', 2, 'current_timestamp') }}

union all

-- Recency is counted from as_of_date, so a build for an earlier day over raw data that already
-- holds later days (a backfill whose ingests ran ahead of its transforms) gives small negative
-- values legitimately; only a recency beyond any backfill (a year) is wrong.
select customer_key, 'days_since_last_activity below -366' as problem
from {{ ref('dim_customers') }}
where days_since_last_activity < -366

union all

select customer_key, 'acquisition_cohort_month before the platform start' as problem
from {{ ref('dim_customers') }}
where acquisition_cohort_month < cast('{{ platform_start }}' as date)
