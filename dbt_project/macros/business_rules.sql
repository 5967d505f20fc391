{#- Small business rules shared by marts. Portable SQL (DuckDB and PostgreSQL). -#}

{#- True for orders that count: placed and not in var('non_revenue_order_statuses'). -#}
{% macro is_revenue_order(status_column) -%}
    (
        {{ status_column }} is null
        or lower({{ status_column }}) not in (
            {%- for status in var('non_revenue_order_statuses') -%}
                '{{ status | lower }}'{{ ", " if not loop.last }}
            {%- endfor -%}
        )
    )
{%- endmacro %}

{#- Completed years between a birth date and a reference date. -#}
{% macro age_in_years(birth_date, on_date) -%}
    cast(
        extract(year from {{ on_date }}) - extract(year from {{ birth_date }})
        - case
            when extract(month from {{ on_date }}) * 100 + extract(day from {{ on_date }})
                < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
            then 1 else 0
        end
    as integer)
{%- endmacro %}
