{#-
    SQL that differs between DuckDB (the warehouse) and PostgreSQL (the second adapter, issue 6 §4),
    behind adapter.dispatch: models call sehat.<macro>, the duckdb__ version is the DuckDB dialect,
    default__ is ANSI / PostgreSQL (the fallback for any other adapter). Keep models free of
    target.type branches: add a macro here instead.
-#}

{#- An aggregate list; `filter` is a condition on the rows it collects (SQL's FILTER clause). -#}
{% macro list_agg(expression, order_by=none, distinct=false, filter=none) -%}
    {{ return(adapter.dispatch('list_agg', 'sehat')(expression, order_by, distinct, filter)) }}
{%- endmacro %}

{% macro duckdb__list_agg(expression, order_by, distinct, filter) -%}
    list({% if distinct %}distinct {% endif %}{{ expression }}{% if order_by %} order by {{ order_by }}{% endif %})
    {%- if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}

{% macro default__list_agg(expression, order_by, distinct, filter) -%}
    array_agg({% if distinct %}distinct {% endif %}{{ expression }}{% if order_by %} order by {{ order_by }}{% endif %})
    {%- if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}


{% macro empty_list(element_type='text') -%}
    {{ return(adapter.dispatch('empty_list', 'sehat')(element_type)) }}
{%- endmacro %}

{% macro duckdb__empty_list(element_type) -%}
    []
{%- endmacro %}

{% macro default__empty_list(element_type) -%}
    cast(array[] as {{ element_type }}[])
{%- endmacro %}


{% macro list_length(expression) -%}
    {{ return(adapter.dispatch('list_length', 'sehat')(expression)) }}
{%- endmacro %}

{% macro duckdb__list_length(expression) -%}
    len({{ expression }})
{%- endmacro %}

{% macro default__list_length(expression) -%}
    cardinality({{ expression }})
{%- endmacro %}


{% macro unnest_with_position(relation, columns, list_expression) -%}
    {{ return(adapter.dispatch('unnest_with_position', 'sehat')(relation, columns, list_expression)) }}
{%- endmacro %}

{% macro duckdb__unnest_with_position(relation, columns, list_expression) -%}
    select {{ columns | join(', ') }},
        unnest(_list) as item,
        unnest(generate_series(1, len(_list))) as position
    from (select *, {{ list_expression }} as _list from {{ relation }}) as _lists
{%- endmacro %}

{% macro default__unnest_with_position(relation, columns, list_expression) -%}
    select {{ columns | join(', ') }}, _items.item, _items.position
    from (select *, {{ list_expression }} as _list from {{ relation }}) as _lists
    cross join lateral unnest(_lists._list) with ordinality as _items(item, position)
{%- endmacro %}


{% macro regexp_like(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_like', 'sehat')(expression, pattern)) }}
{%- endmacro %}

{% macro duckdb__regexp_like(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ pattern }})
{%- endmacro %}

{% macro default__regexp_like(expression, pattern) -%}
    ({{ expression }} ~ {{ pattern }})
{%- endmacro %}


{#- A text cut into sentences after . ! ? followed by white space, and at line breaks (a list). -#}
{% macro sentence_list(expression) -%}
    {{ return(adapter.dispatch('sentence_list', 'sehat')(expression)) }}
{%- endmacro %}

{% macro default__sentence_list(expression) -%}
    string_to_array(regexp_replace({{ expression }}, '([.!?]+)\s+', '\1' || chr(10), 'g'), chr(10))
{%- endmacro %}


{#- The elements of a list joined into one text. -#}
{% macro list_join(expression, separator) -%}
    {{ return(adapter.dispatch('list_join', 'sehat')(expression, separator)) }}
{%- endmacro %}

{% macro default__list_join(expression, separator) -%}
    array_to_string({{ expression }}, {{ separator }})
{%- endmacro %}


{#- The n-th element of a list, counting from 1 (NULL past the end). -#}
{% macro list_element(expression, n) -%}
    {{ return(adapter.dispatch('list_element', 'sehat')(expression, n)) }}
{%- endmacro %}

{% macro default__list_element(expression, n) -%}
    {{ expression }}[{{ n }}]
{%- endmacro %}


{#- Replace every match of a regular expression (pattern and replacement are SQL literals). -#}
{% macro regexp_replace_all(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'sehat')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}


{#- Type names in casts: Spark has no VARCHAR without a length, no DOUBLE PRECISION and no JSON. -#}
{% macro type_text() -%}
    {{ return(adapter.dispatch('type_text', 'sehat')()) }}
{%- endmacro %}

{% macro default__type_text() -%}varchar{%- endmacro %}

{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'sehat')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro type_json() -%}
    {{ return(adapter.dispatch('type_json', 'sehat')()) }}
{%- endmacro %}

{% macro default__type_json() -%}json{%- endmacro %}


{#-
    Connected components of a graph given as CTEs `nodes` (node_id) and `neighbours` (node_id,
    neighbour_id, both directions): CTEs ending in `components (node_id, component_id)`, the
    component's smallest node. Every node starts labelled with itself; a label flows along an edge
    only to nodes that sort after it, so each node collects the labels of the smaller nodes it is
    connected to. Termination: UNION (not UNION ALL) discards (node, label) pairs already produced,
    and there are finitely many, so the recursion stops after at most the diameter + 1 rounds.
    The model starts its WITH with sehat.with_recursive().
-#}
{% macro connected_components(nodes, neighbours) -%}
    {{ return(adapter.dispatch('connected_components', 'sehat')(nodes, neighbours)) }}
{%- endmacro %}

{% macro default__connected_components(nodes, neighbours) -%}
labels (node_id, label) as (

    select node_id, node_id from {{ nodes }}

    union

    select n.neighbour_id, l.label
    from labels as l
    inner join {{ neighbours }} as n on n.node_id = l.node_id
    where l.label < n.neighbour_id

),

components as (

    select node_id, min(label) as component_id
    from labels
    group by node_id

),
{%- endmacro %}

{% macro with_recursive() -%}
    {{ return(adapter.dispatch('with_recursive', 'sehat')()) }}
{%- endmacro %}

{% macro default__with_recursive() -%}with recursive{%- endmacro %}


{#- The text of a JSON object's top-level key (NULL when absent). -#}
{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text', 'sehat')(column, key)) }}
{%- endmacro %}

{% macro default__json_text(column, key) -%}
    ({{ column }} ->> '{{ key }}')
{%- endmacro %}
