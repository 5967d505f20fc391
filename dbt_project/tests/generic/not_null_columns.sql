{#- A model's not-null checks in one test node: one row per listed column that holds a null, with
    how many rows. dbt runs every test as its own node, and a node costs about as much in dbt's own
    Python as in the engine, so one node per column (the plain `not_null`) was nearly half of every
    daily build's nodes (173 of 368). One scan of the model counts the nulls of every column at once.
    A grain column needs no entry here: unique_combination_of_columns already fails on its nulls.

        data_tests:
          - not_null_columns:
              arguments:
                columns: [prescription_id, prescribed_at, doctor_id]
-#}
{% test not_null_columns(model, columns) %}

with null_counts as (
    select
    {%- for c in columns %}
        count(*) - count({{ c }}) as n_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{% for c in columns %}
select '{{ c }}' as column_name, n_{{ loop.index }} as null_rows from null_counts where n_{{ loop.index }} > 0
{% if not loop.last %}union all{% endif %}
{%- endfor %}

{% endtest %}
