-- Chat messages in order with the previous message's speaker and time, to measure response times:
-- a doctor's response time is the gap from the patient's message it follows (and vice versa).

select
    message_id,
    consultation_id,
    sender_role as speaker,
    sent_at,
    length(body) as body_chars,
    lag(sender_role) over w as previous_speaker,
    {{ dbt.datediff('lag(sent_at) over w', 'sent_at', 'second') }} as seconds_since_previous
from {{ ref('stg_production__chat_messages') }}
window w as (partition by consultation_id order by sent_at, message_id)
