-- Human SAPE labels per consultation (raw.sape_consultation_labels), one row per consultation.
-- Empty (typed) while the raw table does not exist yet, so a warehouse without labels still builds.
{%- set src = source('labels', 'sape_consultation_labels') %}
{%- set exists = execute and adapter.get_relation(src.database, src.schema, src.identifier) is not none %}
{%- set subs = ['s_main_symptoms', 's_additional_symptoms', 'a_differential_diagnosis', 'a_possible_etiology',
                'p_lifestyle_modification', 'p_medical_recommendation', 'e_opening', 'e_closing',
                's_score', 'a_score', 'p_score', 'e_score'] %}

with source as (

    {% if exists %}
    select * from {{ src }}
    {% else %}
    select cast(null as bigint) as consultation_id, cast(null as {{ sehat.type_text() }}) as labeller,
        {% for c in subs %}cast(null as {{ sehat.type_double() }}) as {{ c }}, {% endfor %}
        cast(null as timestamp) as labelled_at, cast(null as timestamp) as loaded_at
    where 1 = 0
    {% endif %}

),

renamed as (

    select
        cast(consultation_id as bigint) as consultation_id,
        cast(labeller as {{ sehat.type_text() }}) as labeller,
        {% for c in subs %}cast({{ c }} as {{ sehat.type_double() }}) as {{ c }},
        {% endfor -%}
        cast(labelled_at as timestamp) as labelled_at,
        cast(loaded_at as timestamp) as loaded_at,
        row_number() over (partition by consultation_id order by labelled_at desc) as _rank
    from source

)

select * from renamed where _rank = 1
