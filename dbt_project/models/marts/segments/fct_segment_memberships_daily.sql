-- Membership history: one row per (segment_name, as_of_date, customer_key), appended by every
-- daily build. Re-running a day replaces that day's rows (delete+insert on as_of_date), so a
-- re-run is idempotent. On Spark (Parquet tables: no DELETE) the same replacement is an
-- insert_overwrite of the day's partition.
{{ config(materialized='incremental', **sehat.replace_day_config('as_of_date')) }}

select segment_name, customer_key, as_of_date
from {{ ref('fct_segment_memberships_current') }}
