-- Two production accounts stitched into one customer usually means a shared identifier the
-- shared-contact guard did not catch. Worth a look, not worth stopping the pipeline.
{{ config(severity = 'warn') }}

select customer_key, n_user_ids
from {{ ref('dim_customers') }}
where n_user_ids > 1
