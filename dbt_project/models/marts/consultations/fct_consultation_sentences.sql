-- Sentence-level chat table: every sentence of every consultation with speaker, position and time,
-- the dictionary question flag (the write-up's baseline) and the human labels where labelled.
{%- set words = "what|how|when|where|why|which|who|do you|did you|are you|is it|is there|any|can you|could you|have you|apa|apakah|berapa|kapan|bagaimana|gimana|kenapa|mengapa|dimana|di mana|siapa|mana|sudahkah|bisakah|bolehkah|adakah" %}
{%- set pattern = "(^|[^a-z0-9_])(" ~ words ~ ")([^a-z0-9_]|$)" %}

with sentences as (

    select * from {{ ref('int_chat_sentences_split') }}

),

labels as (

    select message_id, sentence_index, is_question, category
    from {{ ref('stg_labels__sape_sentence_labels') }}

)

select
    s.consultation_id,
    s.message_id,
    s.sentence_index,
    cast(row_number() over (partition by s.consultation_id
                            order by s.sent_at, s.message_id, s.sentence_index) as integer) as position,
    s.speaker,
    s.sent_at,
    s.sentence,
    (position('?' in s.sentence) > 0
        or {{ sehat.regexp_like('lower(s.sentence)', "'" ~ pattern ~ "'") }}) as is_question_dictionary,
    l.is_question as label_is_question,
    l.category as label_category,
    l.message_id is not null as is_labelled
from sentences s
left join labels l on l.message_id = s.message_id and l.sentence_index = s.sentence_index
