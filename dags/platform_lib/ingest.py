"""One API source's pull into bronze: what api_ingestion runs for every source and the smoke
run (platform_smoke) for one."""

import boto3

from platform_lib import bronze, http_fetch, settings


def pull(source, day):
    """Fetches every page of source and writes its records to bronze for day, in one PUT after
    every page was fetched and validated (a failed pull writes nothing). Returns what was
    written: the object's URI, the record, page and byte counts."""
    with http_fetch.session() as http:
        records, pages = http_fetch.fetch_all(http, source)
    key = bronze.object_key(settings.get(settings.BRONZE_API_PREFIX), source.name, day)
    bucket = settings.get(settings.BRONZE_BUCKET)
    s3 = boto3.client("s3", region_name=settings.get(settings.REGION))
    metadata = {"source-url": source.url, "pages": pages, "records": len(records)}
    size = bronze.write_records(s3, bucket, key, records, metadata=metadata)
    return {"key": f"s3://{bucket}/{key}", "records": len(records), "pages": pages, "bytes": size}
