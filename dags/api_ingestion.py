"""api_ingestion: pulls each public HTTP API of api_sources.json once a day into bronze.

Each source lands at s3://<bronze>/api/<source>/dt=<logical date>/<source>.json as JSON
Lines. The key depends only on the logical date, so a retry or a re-run of a day overwrites
that day's object. All logic lives in platform_lib; this file only wires tasks.
"""

from datetime import datetime, timedelta

from airflow.decorators import dag, task

from platform_lib import sources as api_sources

SOURCES = api_sources.load()


@dag(
    dag_id="api_ingestion",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5), "retry_exponential_backoff": True},
    tags=["ingestion", "bronze"],
    doc_md=__doc__,
)
def api_ingestion():
    for source in SOURCES:

        @task(task_id=f"ingest_{source.name}")
        def ingest(source=source, ds=None):
            import boto3
            import requests

            from platform_lib import bronze, http_fetch, settings

            with requests.Session() as session:
                records, pages = http_fetch.fetch_all(session, source)
            key = bronze.object_key(settings.get(settings.BRONZE_API_PREFIX), source.name, ds)
            bucket = settings.get(settings.BRONZE_BUCKET)
            s3 = boto3.client("s3", region_name=settings.get(settings.REGION))
            size = bronze.write_records(s3, bucket, key, records,
                                        metadata={"source-url": source.url, "pages": pages, "records": len(records)})
            return {"key": f"s3://{bucket}/{key}", "records": len(records), "pages": pages, "bytes": size}

        ingest()


api_ingestion()
