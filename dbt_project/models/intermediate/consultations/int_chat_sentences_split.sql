-- Every chat message cut into sentences: after . ! ? followed by white space, and at line breaks
-- (the same rule as sehat.sources.chats.split_sentences, so human sentence labels join on
-- message_id + sentence_index). Empty pieces are dropped and the rest renumbered from 0.

with messages as (

    select message_id, consultation_id, sender_role, sent_at, body
    from {{ ref('stg_production__chat_messages') }}
    where body is not null

),

pieces as (

    {{ sehat.unnest_with_position(
        'messages', ['message_id', 'consultation_id', 'sender_role', 'sent_at'],
        sehat.sentence_list('body')) }}

)

select
    consultation_id,
    message_id,
    cast(row_number() over (partition by message_id order by position) - 1 as integer) as sentence_index,
    sender_role as speaker,
    sent_at,
    trim(item) as sentence
from pieces
where trim(item) <> ''
