-- The date marts are evaluated at, as one row.
-- var('as_of_date') or the environment variable SEHAT_AS_OF_DATE when given (YYYY-MM-DD),
-- otherwise the latest activity date present in the data, so a fresh build works without
-- configuration (today when the warehouse holds no activity at all).
-- The daily run sets SEHAT_AS_OF_DATE (sehat.transform): read only at run time (`execute`), it
-- leaves dbt's partial parse intact, where a new --vars value every day forces a full parse.

{%- set as_of = var('as_of_date', none) or (env_var('SEHAT_AS_OF_DATE', '') if execute else '') %}

with activity_dates as (

    select max(cast(event_at as date)) as activity_date from {{ ref('stg_clevertap__events') }}
    union all
    select max(cast(signup_at as date)) from {{ ref('stg_production__users') }}
    union all
    select max(cast(started_at as date)) from {{ ref('stg_production__consultations') }}
    union all
    select max(cast(ordered_at as date)) from {{ ref('stg_production__orders') }}
    union all
    select max(cast(booked_at as date)) from {{ ref('stg_production__lab_bookings') }}
    union all
    select max(cast(created_at as date)) from {{ ref('stg_production__appointments') }}

)

select
    {% if as_of -%}
    cast('{{ as_of }}' as date) as as_of_date,
    'var' as as_of_source,
    {%- else -%}
    coalesce(max(activity_date), current_date) as as_of_date,
    'data' as as_of_source,
    {%- endif %}
    max(activity_date) as max_activity_date
from activity_dates
