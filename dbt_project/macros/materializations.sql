{#-
    Model configs that differ by engine, behind adapter.dispatch like the SQL in portable.sql: a model
    calls `sehat.<macro>()` inside config(), the default__ version serves DuckDB and PostgreSQL, the
    spark__ version (here, beside it) serves Spark. No target.type branch in a model.
-#}

{#- A model that is a view on DuckDB and PostgreSQL: Spark builds a table, because the DuckDB warehouse
    imports every layer from Spark's Parquet (sehat.lake) and a view has none. -#}
{% macro view_materialization() -%}
    {{ return(adapter.dispatch('view_materialization', 'sehat')()) }}
{%- endmacro %}
{% macro default__view_materialization() -%}
    {{ return('view') }}
{%- endmacro %}
{% macro spark__view_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{#- An incremental delete+insert model that Spark rebuilds whole from the lake: Parquet tables have no
    DELETE (docs/spark.md). -#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization', 'sehat')()) }}
{%- endmacro %}
{% macro default__incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}
{% macro spark__incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{#- Replacing one day of an incremental table: delete+insert on the unique key, or, on Spark, an
    insert_overwrite of the day's partition. Returns the config keys to pass to config(**...). -#}
{% macro replace_day_config(day_column) -%}
    {{ return(adapter.dispatch('replace_day_config', 'sehat')(day_column)) }}
{%- endmacro %}
{% macro default__replace_day_config(day_column) -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': day_column}) }}
{%- endmacro %}
{% macro spark__replace_day_config(day_column) -%}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [day_column], 'unique_key': day_column}) }}
{%- endmacro %}

{#- Grants on the restricted schema: var('restricted_readers') may select (PostgreSQL; DuckDB ignores
    grants); none on Spark, whose local metastore has no grants. -#}
{% macro restricted_grants() -%}
    {{ return(adapter.dispatch('restricted_grants', 'sehat')()) }}
{%- endmacro %}
{% macro default__restricted_grants() -%}
    {{ return({'select': var('restricted_readers', [])}) }}
{%- endmacro %}
{% macro spark__restricted_grants() -%}
    {{ return({}) }}
{%- endmacro %}
