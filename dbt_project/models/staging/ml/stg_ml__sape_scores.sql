-- SAPE scores written by the daily scoring task (ml.sape_scores). Empty (typed) until the first run.
{%- set src = source('ml', 'sape_scores') %}
{%- set exists = execute and adapter.get_relation(src.database, src.schema, src.identifier) is not none %}
{%- set cols = ['s_main_symptoms', 's_additional_symptoms', 'a_differential_diagnosis', 'a_possible_etiology',
                'p_lifestyle_modification', 'p_medical_recommendation', 'e_opening', 'e_closing',
                's_score', 'a_score', 'p_score', 'e_score'] %}

with source as (

    {% if exists %}
    select * from {{ src }}
    {% else %}
    select cast(null as bigint) as consultation_id,
        {% for c in cols %}cast(null as {{ sehat.type_double() }}) as {{ c }}, {% endfor %}
        cast(null as {{ sehat.type_text() }}) as model_version, cast(null as timestamp) as scored_at
    where 1 = 0
    {% endif %}

)

select
    cast(consultation_id as bigint) as consultation_id,
    {% for c in cols %}cast({{ c }} as {{ sehat.type_double() }}) as {{ c }},
    {% endfor -%}
    cast(model_version as {{ sehat.type_text() }}) as model_version,
    cast(scored_at as timestamp) as scored_at
from source
