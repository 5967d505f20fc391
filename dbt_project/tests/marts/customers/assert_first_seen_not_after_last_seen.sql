-- first_seen_at <= last_seen_at, and the last app event is within the seen range.

select customer_key, first_seen_at, last_seen_at, last_event_at
from {{ ref('dim_customers') }}
where first_seen_at > last_seen_at
    or last_event_at > last_seen_at
    or last_event_at < first_seen_at
