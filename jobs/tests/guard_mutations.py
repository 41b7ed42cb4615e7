"""Removes each guard of the CDC merge and of the speed layer in turn and runs the test that
covers it, which must then fail: proof that each test can fail. Slow (a Spark session per case), so not part of make test:

    cd jobs && .venv/bin/python -m tests.guard_mutations         # make jobs-guards
    cd jobs && .venv/bin/python -m tests.guard_mutations speed   # the speed layer's only
"""

import os
import re
import subprocess
import sys

JOBS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CDC = "src/dataplatform_jobs/cdc.py"
TABLES = "src/dataplatform_jobs/tables.py"
SPEED = "src/dataplatform_jobs/speed.py"
MAINTENANCE = "src/dataplatform_jobs/maintenance.py"
CDC_TESTS, SPEED_TESTS, TABLES_TESTS = "tests/test_cdc.py", "tests/test_speed.py", "tests/test_tables.py"
SILVER_TESTS = "tests/test_reconcile_and_maintenance.py"

# (guard, file, code with the guard, code without it, the test that covers it[, its file])
CASES = [
    (
        "newest change per key",
        CDC,
        "    latest = newest_per_key(changes, table.key, columns)\n",
        "    latest = changes\n",
        "test_newest_change_per_key",
    ),
    (
        "deletes applied",
        CDC,
        ".whenMatchedDelete(condition=deleted & newer)",
        ".whenMatchedDelete(condition=F.lit(False))",
        "test_deletes_are_applied",
    ),
    (
        "sequence guard on update",
        CDC,
        ".whenMatchedUpdate(condition=kept & newer, set=values)",
        ".whenMatchedUpdate(condition=kept, set=values)",
        "test_a_late_older_change_never_rolls",
    ),
    (
        "delete markers",
        CDC,
        '.where(F.col(f"t.`{table.key[0]}`").isNull() | newer)',
        "",
        "test_a_late_older_change_never_brings",
    ),
    (
        "marker cleared by a re-insert",
        CDC,
        "        .whenMatchedDelete(condition=kept & newer)\n",
        "",
        "test_a_delete_then_a_reinsert",
    ),
    (
        "insert-only history",
        CDC,
        '(history.alias("t").merge(dated.alias("s"), same_change).whenNotMatchedInsertAll().execute())',
        "dated.write.format('delta').mode('append').save((silver + table.history).rstrip('/'))",
        "test_duplicate_and_replayed",
    ),
    (
        "history merge reads the batch's days only",
        CDC,
        '    same_change += "".join(f" AND {on_days(day, days)}" for day in days_partition)\n',
        "",
        "test_a_run_reads_only_the_history_days",
    ),
    (
        "commit day in UTC",
        CDC,
        '    return F.date_from_unix_date(F.floor(seconds / 86400).cast("int"))',
        '    return F.to_date(F.col(f"`{columns.timestamp}`"))',  # the session's zone
        "test_a_run_reads_only_the_history_days",
    ),
    (
        "a history made before its partition refused",
        TABLES,
        "    if list(partitioned_by) != partitions:\n",
        "    if False:\n",
        "test_an_unpartitioned_history_is_refused",
        "tests/test_reconcile_and_maintenance.py",
    ),
    (
        "watermark moves forward only",
        CDC,
        '"watermark": "greatest(t.watermark, coalesce(s.watermark, t.watermark))"',
        '"watermark": "coalesce(s.watermark, t.watermark)"',
        "test_the_served_tables_watermark",
    ),
    ("changes outrank the full load", CDC, '        F.col(f"{p}{CDC}"),\n', "", "test_changes_outrank"),
    (
        "commit time read as UTC",
        CDC,
        'F.try_to_timestamp(F.concat(raw, F.lit("Z")), F.lit(COMMIT_TIME_FORMAT + "X"))',
        "F.try_to_timestamp(raw, F.lit(COMMIT_TIME_FORMAT))",  # the session's zone
        "test_the_commit_time_is_a_utc_timestamp",
    ),
    (
        "declared columns added",
        TABLES,
        "    for i, f in new:\n",
        "    for i, f in []:\n",
        "test_a_column_config_does_not_declare",
        TABLES_TESTS,
    ),
    (
        "declared columns DMS does not send yet",
        CDC,
        "    changes = tables.with_declared(changes, silver + table.history)",
        "    pass",
        "test_a_column_config_does_not_declare",
        TABLES_TESTS,
    ),
    (
        "undeclared columns refused",
        TABLES,
        '        conform(declared, schema.fields, partitioned_by, "the write")\n',
        "        pass\n",
        "test_a_column_config_does_not_declare",
        TABLES_TESTS,
    ),
    # The speed layer's.
    (
        "checkpoint",
        SPEED,
        '.option("checkpointLocation", checkpoint)',
        '.option("checkpointLocation", checkpoint + str(__import__("uuid").uuid4()) + "/")',
        "test_after_a_restart_nothing_is_processed_twice",
        SPEED_TESTS,
    ),
    (
        "one row per event ID in a batch",
        SPEED,
        "self.merge_events(one_per_event(events.where(~is_late), stream), sorted(days))",
        "self.merge_events(events.where(~is_late), sorted(days))",
        "test_a_duplicate_event_is_dropped",
        SPEED_TESTS,
    ),
    (
        "dedupe against silver",
        SPEED,
        'match = f"t.{day} IN ({listed}) AND t.{day} = s.{day} AND t.{event_id} = s.{event_id}"',
        'match = "false"',
        "test_the_same_content_under_another_object_name",
        SPEED_TESTS,
    ),
    (
        "late table",
        SPEED,
        "is_late = fits & (event_time < F.lit(watermark)) if watermark is not None else F.lit(False)",
        "is_late = F.lit(False)",
        "test_an_event_beyond_the_watermark",
        SPEED_TESTS,
    ),
    (
        "quarantine",
        SPEED,
        "            if bad:\n",
        "            if False:\n",
        "test_a_malformed_line_is_quarantined",
        SPEED_TESTS,
    ),
    (
        "idempotent appends",
        SPEED,
        '.option("txnAppId", app).option("txnVersion", version)',
        "",
        "test_a_batch_replayed_after_a_crash",
        SPEED_TESTS,
    ),
    (
        "blank lines skipped",
        SPEED,
        "records.judged(batch.where(~F.col(RECORD).rlike(BLANK)), stream.columns, required)",
        "records.judged(batch, stream.columns, required)",
        "test_a_producer_that_already_ends_records_with_a_newline",
        SPEED_TESTS,
    ),
    (
        "several objects on a line",
        SPEED,
        "several = F.col(REASON).isNull() & F.col(RECORD).rlike(SEVERAL)",
        "several = F.lit(False)",
        "test_a_malformed_line_is_quarantined",
        SPEED_TESTS,
    ),
    (
        "blank lines skipped in conversion errors",
        SPEED,
        '    lines = batch.where(~F.col("value").rlike(BLANK))\n',
        "    lines = batch\n",
        "test_firehose_error_documents_back_to_back",
        SPEED_TESTS,
    ),
    (
        "several conversion error documents on a line",
        SPEED,
        'several = F.col("value").rlike(SEVERAL)',
        "several = F.lit(False)",
        "test_firehose_error_documents_back_to_back",
        SPEED_TESTS,
    ),
    (
        "a replay keeps its watermark",
        SPEED,
        "        if self.replay is not None and self.replay[BATCH_ID] == batch_id:\n",
        "        if False:\n",
        "test_a_batch_replayed_after_a_crash",
        SPEED_TESTS,
    ),
    # Silver's deletion vectors.
    (
        "deletion vectors on",
        TABLES,
        '        "delta.enableDeletionVectors": "true",\n',
        '        "delta.enableDeletionVectors": "false",\n',
        "test_a_merge_marks_the_rows_it_replaces",
        SILVER_TESTS,
    ),
    (
        "deletion vectors turned on for tables made without them",
        TABLES,
        'KEPT = ("delta.enableDeletionVectors", ',
        "KEPT = (",
        "test_a_table_made_without_deletion_vectors",
        TABLES_TESTS,
    ),
    (
        "erased rows purged from their files",
        MAINTENANCE,
        '                spark.sql(f"REORG TABLE',
        '                str(f"REORG TABLE',
        "test_erasing_a_key_removes_it_everywhere",
        SILVER_TESTS,
    ),
]


# pytest's exit codes: 1 is "tests ran and some failed", the only proof that the guard's test
# caught its removal. 5 is "no test collected" (a test renamed or merged away, -k selecting
# nothing), 2 to 4 an interruption, an internal or a usage error: none of them proves anything.
TESTS_FAILED, NO_TESTS_COLLECTED = 1, 5


def verdict(returncode, summary):
    """Whether a run of the guard's test, with the guard removed, proves the guard: its test
    ran and failed. Anything else names why it does not."""
    if returncode == TESTS_FAILED and re.search(r"\b\d+ failed\b", summary):
        return None
    if returncode == 0:
        return "STILL PASSES"
    if returncode == NO_TESTS_COLLECTED:
        return "SELECTS NO TEST: rename it here too"
    return f"ERRORED (pytest exit {returncode}): no test ran to fail"


def run_case(test, files, cwd=JOBS):
    """Runs the tests -k test selects in files; returns (why it proves nothing, or None; the
    summary line)."""
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-k", test, *files], cwd=cwd, capture_output=True, text=True
    )
    out = run.stdout.strip()
    summary = out.splitlines()[-1] if out else run.stderr.strip()[-200:]
    return verdict(run.returncode, summary), summary


def main(only=None):
    """Runs every case, or those whose test file contains only (speed, cdc)."""
    survivors = []
    for guard, path, code, mutant, test, *tests_file in CASES:
        files = tests_file or [CDC_TESTS]
        if only and only not in files[0]:
            continue
        path = os.path.join(JOBS, path)
        original = open(path).read()
        if code not in original:
            print(f"{guard}: the guard's code is not in {path}: update this list")
            survivors.append(guard)
            continue
        open(path, "w").write(original.replace(code, mutant))
        try:
            unproven, summary = run_case(test, files)
        finally:
            open(path, "w").write(original)
        print(f"{guard}: {unproven or 'fails without the guard'} ({summary})", flush=True)
        if unproven:
            survivors.append(guard)
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
