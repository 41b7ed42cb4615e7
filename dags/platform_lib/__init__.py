"""Logic of the platform's DAGs, kept out of the DAG files so they stay thin wiring.

settings reads what the Airflow stack hands the DAGs; sources, http_fetch and bronze pull an
API into bronze; glue and alerts adapt the Amazon provider's pieces to this platform.
"""
