"""The warehouse's task group: dbt builds gold on Athena after the batch job, through
astronomer-cosmos (docs/warehouse.md).

- The task graph comes from the shipped manifest (LoadMode.DBT_MANIFEST): no dbt runs when
  the DAG is parsed.
- Each model is one task that runs `dbt build` on it (TestBehavior.BUILD), so its tests run
  with it and a failing test fails the task (and alerts, like any failed task). Each source
  with freshness is a task that runs `dbt source freshness` on it before the models that read
  it.
- dbt is the one of the virtual environment MWAA's startup script builds
  (airflow/startup.sh), run as a subprocess: dbt and Airflow pin different libraries. Cosmos
  runs each task from a copy of the project in a temporary directory, so target/ and logs/ go
  under /tmp; MWAA's DAG folder is read-only.
"""

import os

from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, SourceRenderingBehavior, TestBehavior
from cosmos.operators.local import DbtRunOperationLocalOperator

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


def gold(group_id, project_dir, dbt, target, select=(), **operator_args):
    """The task group that builds gold with dbt's target: one task per model and per fresh
    source, in the manifest's order; select (dbt's selection syntax) renders a part of it."""
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            manifest_path=os.path.join(project_dir, MANIFEST), project_name=PROJECT, install_dbt_deps=False
        ),
        profile_config=profile(project_dir, target),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=dbt,
            dbt_project_path=project_dir,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            source_rendering_behavior=SourceRenderingBehavior.WITH_TESTS_OR_FRESHNESS,
            select=list(select),
            # A test with two parents (a relationship) runs once both are built, not with the
            # first, where the second may not exist yet.
            should_detach_multiple_parents_tests=True,
        ),
        operator_args=operator_args,
    )


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
