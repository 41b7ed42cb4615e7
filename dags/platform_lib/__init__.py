"""Plain-Python logic of the platform's DAGs.

Nothing here imports Airflow: the DAG files are thin wiring around these functions, and the
tests in dags/tests/ exercise them with the standard library's unittest, moto and fake HTTP
sessions.
"""
