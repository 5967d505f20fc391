{#- The grain test: one test node per model. Fails on every combination of `combination_of_columns`
    held by more than one row, and on rows where any of those columns is null (a grain column is never
    null), so it stands for `unique` + `not_null` on a one-column key as well. Written here because dbt
    packages cannot be downloaded on these machines (dbt_utils has one of the same name and arguments).

        data_tests:
          - unique_combination_of_columns:
              arguments:
                combination_of_columns: [prescription_id, position]
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
{%- set columns = combination_of_columns | join(', ') %}

select {{ columns }}, count(*) as n_rows
from {{ model }}
group by {{ columns }}
having count(*) > 1
    or {% for c in combination_of_columns %}{{ c }} is null{% if not loop.last %} or {% endif %}{% endfor %}

{% endtest %}
