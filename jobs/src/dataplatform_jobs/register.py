"""Registers silver's Delta tables in the environment's Unity Catalog schema, as external tables
on the locations the jobs write: Unity Catalog then governs them (grants, lineage, discovery)
while Athena and the Glue catalog keep reading the same files. A table registers once its first
write has made it a Delta table; until then it waits for a later run."""

import logging

from delta.tables import DeltaTable

log = logging.getLogger("dataplatform_jobs")


class Misregistered(RuntimeError):
    """A table of the schema has the name of a silver table but another location."""


def bare(location):
    """A location as the catalog and the settings may each spell it: no scheme for local files,
    no trailing slash."""
    location = location.rstrip("/")
    return location.removeprefix("file:") if location.startswith("file:/") else location


def register(spark, silver, schema, tables):
    """Registers each (name, prefix) of tables whose Delta table exists under silver as
    <schema>.<name> on it; returns the names registered (or already there) and those waiting.
    A name already registered on another location fails the run: the catalog would serve other
    data under silver's name."""
    registered, waiting = [], []
    for name, prefix in tables:
        path = (silver + prefix).rstrip("/")
        if not DeltaTable.isDeltaTable(spark, path):
            waiting.append(name)
            continue
        table = f"{schema}.`{name}`"
        spark.sql(f"CREATE TABLE IF NOT EXISTS {table} USING DELTA LOCATION '{path}'")
        location = spark.sql(f"DESCRIBE DETAIL {table}").first().location
        if bare(location) != bare(path):
            raise Misregistered(
                f"{schema}.{name} is registered on {location}, not on silver's {path}: drop or rename it"
            )
        registered.append(name)
    log.info("registered in %s: %s; waiting for a first write: %s", schema, registered, waiting or "none")
    return registered, waiting
