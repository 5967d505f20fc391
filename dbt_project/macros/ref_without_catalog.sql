{#-
    ref() and source() without the database (catalog) part.

    DuckDB names a file's catalog after the file, so a view compiled as
    "sehat"."staging"."x" breaks in the reader snapshot (sehat_read.duckdb) or any
    copy of the warehouse. Rendering "staging"."x" resolves in whichever file is
    open. On PostgreSQL a connection sees one database anyway, so nothing changes.
-#}
{% macro ref() -%}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {%- if relation.include is defined -%}
        {%- do return(relation.include(database=False)) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{% macro source() -%}
    {%- set relation = builtins.source(*varargs, **kwargs) -%}
    {%- if relation.include is defined -%}
        {%- do return(relation.include(database=False)) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
