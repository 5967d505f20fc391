{% macro latest_row_per_key(relation, partition_by, order_by) -%}
select *
from (
    select
        _deduped_source.*,
        row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as _row_rank
    from {{ relation }} as _deduped_source
) as _ranked
where _row_rank = 1
{%- endmacro %}
