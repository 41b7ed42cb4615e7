{#- Iceberg maintenance of gold, run by Airflow weekly (`dbt run-operation iceberg_maintenance`):
    OPTIMIZE compacts each Iceberg table's small files (an incremental merge leaves some per
    run), VACUUM expires snapshots older than the table's vacuum_max_snapshot_age_seconds and
    removes the files no snapshot needs. dbt-athena repeats either while Athena answers that
    more runs are needed. With dry_run, or off Athena, it only lists the statements. -#}
{% macro iceberg_maintenance(dry_run=false) %}
  {% set statements = [] %}
  {% for node in graph.nodes.values()
       if node.resource_type == 'model' and node.config.materialized in ('table', 'incremental')
          and node.config.get('table_type') == 'iceberg' %}
    {% set name = node.schema ~ '.' ~ node.alias %}
    {% do statements.append('optimize ' ~ name ~ ' rewrite data using bin_pack') %}
    {% do statements.append('vacuum ' ~ name) %}
  {% endfor %}
  {% for statement in statements %}
    {% if target.type == 'athena' and not dry_run %}
      {% do log('running: ' ~ statement, info=true) %}
      {% do run_query(statement) %}
    {% else %}
      {% do log('would run: ' ~ statement, info=true) %}
    {% endif %}
  {% endfor %}
  {{ return(statements) }}
{% endmacro %}
