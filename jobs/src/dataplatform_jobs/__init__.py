"""Spark jobs that turn bronze into silver Delta tables (docs/jobs.md).

Transforms are plain DataFrame-in, DataFrame-out functions; the entry points (entrypoints.py)
take every location as a parameter, so the same code runs on s3:// in Databricks and on local
directories in the tests.
"""
