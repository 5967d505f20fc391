-- Every chat message cut into sentences: after . ! ? followed by white space, and at line breaks
-- (the same rule as sehat.generate.chats.split_sentences, so human sentence labels join on
-- message_id + sentence_index). Empty pieces are dropped and the rest renumbered from 0.

with messages as (

    select message_id, consultation_id, sender_role, sent_at, body
    from {{ ref('stg_production__chat_messages') }}
    where body is not null

),

pieces as (

    {% if target.type == 'postgres' %}
    select m.message_id, m.consultation_id, m.sender_role, m.sent_at, p.piece, p.idx
    from messages m
    cross join lateral unnest(
        string_to_array(regexp_replace(m.body, '([.!?]+)\s+', E'\\1\n', 'g'), E'\n')
    ) with ordinality as p(piece, idx)
    {% else %}
    select message_id, consultation_id, sender_role, sent_at,
        unnest(parts) as piece, unnest(generate_series(1, len(parts))) as idx
    from (
        select *, string_split(regexp_replace(body, '([.!?]+)\s+', '\1' || chr(10), 'g'), chr(10)) as parts
        from messages
    ) m
    {% endif %}

)

select
    consultation_id,
    message_id,
    cast(row_number() over (partition by message_id order by idx) - 1 as integer) as sentence_index,
    sender_role as speaker,
    sent_at,
    trim(piece) as sentence
from pieces
where trim(piece) <> ''
