-- Every entry of every list field of a prescription, one row each, in the order written.
-- Grain: (prescription_id, field, position). Raw text only, trimmed; blank entries dropped.

with prescriptions as (

    select prescription_id, complaints, diagnoses, medicines, lab_tests, advice
    from {{ ref('stg_production__prescriptions') }}

),

{% set fields = [('complaint', 'complaints'), ('diagnosis', 'diagnoses'), ('medicine', 'medicines'),
                 ('lab_test', 'lab_tests'), ('advice', 'advice')] %}

unnested as (

    {% for field, column in fields %}
    select prescription_id, field, position, trim({{ sehat.regexp_replace_all('item', "'\\s+'", "' '") }}) as raw_value
    from ({{ sehat.unnest_with_position('prescriptions', ['prescription_id', "'" ~ field ~ "' as field"], column) }}) as items_{{ field }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select prescription_id, field, cast(position as integer) as position, raw_value
from unnested
where raw_value is not null and raw_value <> ''
