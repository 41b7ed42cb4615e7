"""The warehouse's task group: dbt builds gold on Athena after the batch job, through
astronomer-cosmos (docs/warehouse.md).

- The task graph comes from the shipped manifest (LoadMode.DBT_MANIFEST): no dbt runs when
  the DAG is parsed.
- One dbt process per run (ExecutionMode.WATCHER): the producer task runs `dbt source
  freshness`, then one `dbt build` of the whole selection, and reports each node's outcome to
  its task. Each model has a run task and a test task (TestBehavior.AFTER_EACH), each fresh
  source a freshness task, in the manifest's order; they are sensors that wait for the
  producer's report (deferred in the triggerer), so a failed test fails its model's test task,
  the tasks after it do not run, and that one task alerts.
- The producer alerts on nothing: whatever stops it is reported by the tasks that watch it
  (each fails, or runs its own node with dbt on retry), so its alert would be a second one.
- dbt is the one of the virtual environment MWAA's startup script builds
  (airflow/startup.sh), run as a subprocess: dbt and Airflow pin different libraries. Cosmos
  runs from a copy of the project in a temporary directory, so target/ and logs/ go under
  /tmp; MWAA's DAG folder is read-only.
"""

import os
from collections import defaultdict

from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import (
    DbtResourceType,
    ExecutionMode,
    InvocationMode,
    LoadMode,
    SourceRenderingBehavior,
    TestBehavior,
)
from cosmos.operators.local import DbtRunOperationLocalOperator
from cosmos.operators.watcher import DbtProducerWatcherOperator, DbtTestWatcherOperator

from platform_lib import settings

# The dbt project's name and profile (warehouse/dbt_project.yml), and its shipped manifest.
PROJECT, PROFILE, MANIFEST = "dataplatform", "dataplatform", "manifest.json"


def configured():
    """Where this environment's dbt is (the project, its dbt, the target), as the Airflow stack
    sets it: {} where the environment has no gold (no platform.dbt_target)."""
    target = settings.optional(settings.DBT_TARGET)
    if not target:
        return {}
    return {
        "project_dir": settings.get(settings.DBT_PROJECT_DIR),
        "dbt": settings.get(settings.DBT_EXECUTABLE),
        "target": target,
    }


def profile(project_dir, target):
    return ProfileConfig(
        profile_name=PROFILE, target_name=target, profiles_yml_filepath=os.path.join(project_dir, "profiles.yml")
    )


# dbt source freshness statuses that stop a source's dependents, as a failing `dbt source
# freshness` task stops them in local mode: `error` (older than error_after) and `runtime error`
# (the check itself failed). `warn` passes, as dbt's exit code 0 lets it pass there.
STALE = frozenset({"error", "runtime error"})
# What the producer's dbt build can leave out: tests go with the node they test.
BUILT = frozenset({DbtResourceType.MODEL, DbtResourceType.SEED, DbtResourceType.SNAPSHOT})


def stale_sources(context, dag, task_group, nodes, sources_json):
    """The producer's freshness callback: every node built on a source whose freshness is an
    error, as failed (left out of the dbt build; their tasks are upstream_failed, after the
    source's own task fails on the error). A source that only warns stops nothing.

    cosmos's default callback skips the dependents of a source that errors or warns, and a
    skipped task alerts nobody: a warning would silently stop gold."""
    if not nodes or not sources_json:
        return []
    stale = [r["unique_id"] for r in sources_json.get("results", []) if r.get("status") in STALE]
    children = defaultdict(set)
    for unique_id, node in nodes.items():
        for parent in node.depends_on:
            children[parent].add(unique_id)
    # Every descendant, not only those with no fresh parent left: in local mode a model waits
    # for all its sources' tasks, so one failed source stops it.
    stopped, todo = set(), list(stale)
    while todo:
        for child in children[todo.pop()] - stopped:
            stopped.add(child)
            todo.append(child)
    return [(u, "failed") for u in sorted(stopped) if nodes[u].resource_type in BUILT]


def gold(group_id, project_dir, dbt, target, select=(), **operator_args):
    """The task group that builds gold with dbt's target: one producer that runs dbt once, a run
    and a test task per model and a task per fresh source, in the manifest's order; select
    (dbt's selection syntax) renders a part of it. operator_args go to every task: the per-node
    tasks' sensor arguments among them (deferrable, mode, poke_interval); without those they
    defer to the triggerer, as on MWAA."""
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            manifest_path=os.path.join(project_dir, MANIFEST), project_name=PROJECT, install_dbt_deps=False
        ),
        profile_config=profile(project_dir, target),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=dbt,
            dbt_project_path=project_dir,
            setup_operator_args={
                "freshness_callback": stale_sources,
                # Explicit, so the DAG's default (alerts.on_failure) is not inherited; cosmos
                # still adds its XCom backup to it, for the producer's retry.
                "on_failure_callback": None,
            },
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # BUILD has no watcher operator: cosmos raises at parse.
            test_behavior=TestBehavior.AFTER_EACH,
            source_rendering_behavior=SourceRenderingBehavior.WITH_TESTS_OR_FRESHNESS,
            select=list(select),
            # A test with two parents (a relationship) has a task of its own, after both
            # parents' tests, not in the first's, whose model may be fine.
            should_detach_multiple_parents_tests=True,
        ),
        operator_args=operator_args,
    )
    _own_results_for_detached_tests(group)
    return group


def _own_results_for_detached_tests(group):
    """Gives a test with two parents (a relationship, its own task) its own result.

    cosmos 1.15.1's producer counts such a test among the tests of each parent, and reports
    nothing under the test's own name: a failure would fail both parents' test tasks (two
    alerts) and leave the test's task waiting for a result that never comes (in a
    non-deferrable sensor, until its timeout), or passing without one (deferred: the trigger
    passes a node the producer did not report). Here the producer reports it as a tested node
    of its own, which only its task watches."""
    tasks = list(group.iter_tasks())
    detached = {
        t.model_unique_id
        for t in tasks
        if isinstance(t, DbtTestWatcherOperator) and str(t.model_unique_id).startswith("test.")
    }
    for producer in (t for t in tasks if isinstance(t, DbtProducerWatcherOperator)):
        per_node = {node: [t for t in tests if t not in detached] for node, tests in producer.tests_per_model.items()}
        per_node = {node: tests for node, tests in per_node.items() if tests}
        per_node.update({test: [test] for test in detached})
        producer.tests_per_model = per_node


def maintenance(task_id, project_dir, dbt, target, dry_run=False, **kwargs):
    """The task that runs the project's iceberg_maintenance: OPTIMIZE and VACUUM of every
    Iceberg table of gold (warehouse/macros/iceberg_maintenance.sql), from a copy of the project
    under /tmp like the gold group's."""
    return DbtRunOperationLocalOperator(
        task_id=task_id,
        macro_name="iceberg_maintenance",
        args={"dry_run": dry_run},
        project_dir=project_dir,
        profile_config=profile(project_dir, target),
        dbt_executable_path=dbt,
        invocation_mode=InvocationMode.SUBPROCESS,
        install_deps=False,
        **kwargs,
    )
