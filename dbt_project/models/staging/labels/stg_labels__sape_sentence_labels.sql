-- Human sentence tags (raw.sape_sentence_labels): question yes/no and SAPE category per sentence.
-- Empty (typed) while the raw table does not exist yet.
{%- set src = source('labels', 'sape_sentence_labels') %}
{%- set exists = execute and adapter.get_relation(src.database, src.schema, src.identifier) is not none %}

with source as (

    {% if exists %}
    select * from {{ src }}
    {% else %}
    select cast(null as bigint) as consultation_id, cast(null as bigint) as message_id,
        cast(null as integer) as sentence_index, cast(null as {{ sehat.type_text() }}) as speaker, cast(null as {{ sehat.type_text() }}) as sentence,
        cast(null as boolean) as is_question, cast(null as {{ sehat.type_text() }}) as category, cast(null as {{ sehat.type_text() }}) as labeller,
        cast(null as timestamp) as loaded_at
    where 1 = 0
    {% endif %}

),

renamed as (

    select
        cast(consultation_id as bigint) as consultation_id,
        cast(message_id as bigint) as message_id,
        cast(sentence_index as integer) as sentence_index,
        cast(speaker as {{ sehat.type_text() }}) as speaker,
        cast(sentence as {{ sehat.type_text() }}) as sentence,
        cast(is_question as boolean) as is_question,
        cast(category as {{ sehat.type_text() }}) as category,
        cast(labeller as {{ sehat.type_text() }}) as labeller,
        cast(loaded_at as timestamp) as loaded_at
    from source

)

select * from renamed
