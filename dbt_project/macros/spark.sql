{#-
    Apache Spark (dbt-spark): the spark__ versions of the dispatched macros in portable.sql and
    json_text_to_list.sql, and the hook that makes the Parquet lake the project's sources.
    Models stay engine-free: add a macro here and in portable.sql rather than a target.type
    branch in a model.
-#}

{#- on-run-start: one view per declared source over its lake directory (sehat.transform.lake writes it). -#}
{% macro register_lake() -%}
    {{ return(adapter.dispatch('register_lake', 'sehat')()) }}
{%- endmacro %}

{% macro default__register_lake() -%}
{%- endmacro %}

{#- SEHAT_LAKE_SOURCES lists the sources the lake holds (sehat.transform.lake.synced_sources); a source
    without a lake copy (an optional one not written yet) gets no view, as on DuckDB. -#}
{% macro spark__register_lake() -%}
    {%- if execute -%}
        {%- set lake = env_var('SEHAT_LAKE') -%}
        {%- set present = env_var('SEHAT_LAKE_SOURCES', '').split(',') -%}
        {%- set schemas = [] -%}
        {%- for node in graph.sources.values() -%}
            {%- set name = node.schema ~ '.' ~ node.identifier -%}
            {%- if node.schema not in schemas -%}
                {%- do run_query('create database if not exists ' ~ node.schema) -%}
                {%- do schemas.append(node.schema) -%}
            {%- endif -%}
            {%- if name in present -%}
                {%- do run_query('create or replace view ' ~ name ~ ' as select * from parquet.`'
                    ~ lake ~ '/' ~ node.schema ~ '/' ~ node.identifier ~ '`') -%}
            {%- else -%}
                {%- do run_query('drop view if exists ' ~ name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- Spark has no ordered aggregate and collect_list drops NULLs: collect (order key, value) structs
    (never NULL), sort them, keep the values; DISTINCT keeps each value's first place. -#}
{% macro spark__list_agg(expression, order_by, distinct, filter) -%}
    {%- set collected -%}
        collect_list(named_struct('k', {{ order_by if order_by else 'null' }}, 'v', {{ expression }}))
        {%- if filter %} filter (where {{ filter }}){% endif %}
    {%- endset -%}
    {%- set values -%}
        transform({% if order_by %}array_sort({{ collected }}){% else %}{{ collected }}{% endif %}, _pair -> _pair.v)
    {%- endset -%}
    {%- set result -%}{% if distinct %}array_distinct({{ values }}){% else %}{{ values }}{% endif %}{%- endset -%}
    {#- a filter that keeps no row gives NULL on DuckDB and PostgreSQL, an empty array here -#}
    {% if filter %}case when count(*) filter (where {{ filter }}) = 0 then null else {{ result }} end{% else %}{{ result }}{% endif %}
{%- endmacro %}

{% macro spark__list_join(expression, separator) -%}
    array_join({{ expression }}, {{ separator }})
{%- endmacro %}

{% macro spark__empty_list(element_type) -%}
    cast(array() as array<{{ 'string' if element_type in ('text', 'varchar') else element_type }}>)
{%- endmacro %}

{#- arr[n] counts from 0 on Spark: element_at counts from 1, as DuckDB and PostgreSQL do. -#}
{% macro spark__list_element(expression, n) -%}
    element_at({{ expression }}, {{ n }})
{%- endmacro %}

{#- dbt.listagg: dbt-spark's version drops the ORDER BY; Spark 4 has LISTAGG ... WITHIN GROUP
    (dbt_project.yml's dispatch setting makes dbt look here first). -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg with limit_num is not supported on Spark") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }}){% if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}

{% macro spark__list_length(expression) -%}
    size({{ expression }})
{%- endmacro %}

{% macro spark__unnest_with_position(relation, columns, list_expression) -%}
    select {{ columns | join(', ') }}, _items.item, _items.position + 1 as position
    from (select *, {{ list_expression }} as _list from {{ relation }}) as _lists
    lateral view posexplode(_lists._list) _items as position, item
{%- endmacro %}

{#- Spark's string literals treat a backslash as an escape: regular expressions double it. -#}
{% macro spark__regexp_like(expression, pattern) -%}
    ({{ expression }} rlike {{ pattern | replace('\\', '\\\\') }})
{%- endmacro %}

{% macro spark__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ pattern | replace('\\', '\\\\') }}, {{ replacement }})
{%- endmacro %}

{% macro spark__json_text_to_list(column) -%}
    case when {{ column }} is null then null else from_json({{ column }}, 'array<string>') end
{%- endmacro %}

{% macro spark__sentence_list(expression) -%}
    split(regexp_replace({{ expression }}, '([.!?]+)\\s+', concat('$1', chr(10))), chr(10))
{%- endmacro %}

{% macro spark__type_text() -%}string{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}

{% macro spark__type_json() -%}string{%- endmacro %}

{#- Spark's recursive CTEs take UNION ALL only, which never ends on a cyclic graph: propagate the
    minimum label over a fixed number of rounds instead (each round reads the previous one once).
    A component whose diameter exceeds the rounds would be split; the data test
    assert_components_are_closed (no edge between two components) fails loudly if so. -#}
{% macro spark__connected_components(nodes, neighbours, rounds=12) -%}
adjacency as (

    select node_id, neighbour_id from {{ neighbours }}
    union all
    select node_id, node_id from {{ nodes }}

),

labels_0 as (

    select node_id, node_id as label from {{ nodes }}

),
{% for round in range(1, rounds + 1) %}
labels_{{ round }} as (

    select a.node_id, min(l.label) as label
    from adjacency as a
    inner join labels_{{ round - 1 }} as l on l.node_id = a.neighbour_id
    group by a.node_id

),
{% endfor %}
components as (

    select node_id, label as component_id from labels_{{ rounds }}

),
{%- endmacro %}

{% macro spark__with_recursive() -%}with{%- endmacro %}

{% macro spark__json_text(column, key) -%}
    get_json_object({{ column }}, '$.{{ key }}')
{%- endmacro %}
