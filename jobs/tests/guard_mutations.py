"""Removes each guard of the CDC merge in turn and runs the test that covers it, which must then
fail: proof that each test can fail. Slow (a Spark session per case), so not part of make test:

    cd jobs && .venv/bin/python -m tests.guard_mutations   # make jobs-guards
"""

import os
import subprocess
import sys

JOBS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CDC = "src/dataplatform_jobs/cdc.py"
TABLES = "src/dataplatform_jobs/tables.py"

# (guard, file, code with the guard, code without it, the test that covers it)
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
        '(history.alias("t").merge(changes.alias("s"), same_change).whenNotMatchedInsertAll().execute())',
        "changes.write.format('delta').mode('append').option('mergeSchema', 'true').save((silver + table.history).rstrip('/'))",
        "test_duplicate_and_replayed",
    ),
    ("changes outrank the full load", CDC, '        F.col(f"{p}{CDC}"),\n', "", "test_changes_outrank"),
    ("new columns added", TABLES, "    if new:\n", "    if False:\n", "test_a_new_nullable"),
]


def main():
    survivors = []
    for guard, path, code, mutant, test in CASES:
        path = os.path.join(JOBS, path)
        original = open(path).read()
        if code not in original:
            print(f"{guard}: the guard's code is not in {path}: update this list")
            survivors.append(guard)
            continue
        open(path, "w").write(original.replace(code, mutant))
        try:
            run = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-k", test, "tests/test_cdc.py"],
                cwd=JOBS,
                capture_output=True,
                text=True,
            )
        finally:
            open(path, "w").write(original)
        last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr.strip()[-200:]
        print(f"{guard}: {'fails without the guard' if run.returncode else 'STILL PASSES'} ({last})", flush=True)
        if run.returncode == 0:
            survivors.append(guard)
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
