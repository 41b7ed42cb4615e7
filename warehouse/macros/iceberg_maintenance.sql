{#- Iceberg maintenance of gold, run by Airflow weekly (the gold_maintenance DAG:
    `dbt run-operation iceberg_maintenance`): OPTIMIZE compacts each Iceberg table's small files
    (an incremental merge leaves some per run), VACUUM expires snapshots older than the table's
    vacuum_max_snapshot_age_seconds and removes the files no snapshot needs. Each runs through
    dbt-athena's run_operation_with_potential_multiple_runs, which repeats it while Athena
    answers that more runs are needed. With dry_run, or off Athena, it only lists them. -#}
{% macro iceberg_maintenance(dry_run=false) %}
  {% set statements = [] %}
  {% for node in graph.nodes.values()
       if node.resource_type == 'model' and node.config.materialized in ('table', 'incremental')
          and node.config.get('table_type') == 'iceberg' %}
    {% set name = node.schema ~ '.' ~ node.alias %}
    {% do statements.append(('optimize', 'optimize ' ~ name ~ ' rewrite data using bin_pack')) %}
    {% do statements.append(('vacuum', 'vacuum ' ~ name)) %}
  {% endfor %}
  {% for operation, statement in statements %}
    {% if target.type == 'athena' and not dry_run %}
      {% do log('running: ' ~ statement, info=true) %}
      {% do adapter.run_operation_with_potential_multiple_runs(statement, operation) %}
    {% else %}
      {% do log('would run: ' ~ statement, info=true) %}
    {% endif %}
  {% endfor %}
{% endmacro %}
