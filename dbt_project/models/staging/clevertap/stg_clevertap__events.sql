-- One row per distinct CleverTap event (grain: event_key).
-- The same record can arrive more than once: a retried export, overlapping API pages,
-- or a late event that is exported again in the next day's partition. Keep the copy
-- from the earliest export_date (ties: earliest load, then file/line for determinism).

with source as (

    {{ latest_row_per_key(source('clevertap', 'clevertap_events'), 'event_key',
        'cast(export_date as date) asc, loaded_at asc, source_file asc, line_no asc') }}

),

renamed as (

    select
        cast(event_key as varchar) as event_key,
        cast(event_name as varchar) as event_name,
        cast(event_ts as timestamp) as event_at,
        cast(export_date as date) as export_date,
        cast(event_ts as date) < cast(export_date as date) as is_late_arrival,

        -- who
        cast(object_id as varchar) as object_id,
        nullif(trim(cast(identity as varchar)), '') as identity,
        all_identities,
        cast(platform as varchar) as platform,
        cast(phone as varchar) as phone,
        cast(email as varchar) as email,
        cast(name as varchar) as name,
        cast(push_token as varchar) as push_token,

        -- device
        cast(device_make as varchar) as device_make,
        cast(device_model as varchar) as device_model,
        cast(app_version as varchar) as app_version,
        cast(sdk_version as varchar) as sdk_version,
        cast(os_version as varchar) as os_version,
        cast(browser as varchar) as browser,

        -- payload
        cast(control_group as varchar) as control_group,
        event_props,
        session_props,

        -- lineage
        cast(source_format as varchar) as source_format,
        cast(source_file as varchar) as source_file,
        cast(line_no as bigint) as line_no,
        cast(loaded_at as timestamp) as loaded_at

    from source

)

select * from renamed
