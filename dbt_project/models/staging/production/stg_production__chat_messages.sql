-- Latest version of each production chat_message row (one row per chat message).
-- raw.prod_chat_messages is append-only: keep the newest row per message_id (newest _extracted_at, then updated_at: see docs/design.md, the watermark and its limits).

with source as (

    {{ latest_row_per_key(source('production', 'prod_chat_messages'), 'message_id',
        'cast(_extracted_at as timestamp) desc nulls last, cast(updated_at as timestamp) desc nulls last') }}

),

renamed as (

    select
        cast(message_id as bigint) as message_id,
        cast(consultation_id as bigint) as consultation_id,
        cast(sender_role as {{ sehat.type_text() }}) as sender_role,
        cast(sent_at as timestamp) as sent_at,
        cast(body as {{ sehat.type_text() }}) as body,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(_batch_date as date) as batch_date,
        cast(_extracted_at as timestamp) as extracted_at
    from source

)

-- rows deleted at the source are left out (docs/design.md, the watermark and its limits)
select * from renamed
where not exists (
    select 1 from {{ sehat.deleted_at_source('chat_messages') }} as d
    where d.key = cast(renamed.message_id as {{ sehat.type_text() }})
)
