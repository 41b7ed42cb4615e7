import json
import unittest
from datetime import date, datetime, timezone

import boto3
from moto import mock_aws

from platform_lib import bronze

BUCKET = "dataplatform-develop-bronze-111111111111-us-east-1"


class ObjectKeyTest(unittest.TestCase):
    def test_key_depends_only_on_source_and_logical_date(self):
        want = "api/coinbase_trades/dt=2024-05-01/coinbase_trades.json"
        for logical_date in ["2024-05-01", date(2024, 5, 1), datetime(2024, 5, 1, 23, 59, tzinfo=timezone.utc)]:
            with self.subTest(logical_date=logical_date):
                self.assertEqual(bronze.object_key("api/", "coinbase_trades", logical_date), want)

    def test_rejects_bad_dates_and_prefixes(self):
        for bad in ["2024-02-30", "20240501", None]:
            with self.subTest(bad=bad):
                with self.assertRaises(ValueError):
                    bronze.object_key("api/", "s", bad)
        with self.assertRaisesRegex(ValueError, "must end with /"):
            bronze.object_key("api", "s", "2024-05-01")

    def test_json_lines(self):
        self.assertEqual(bronze.to_json_lines([{"b": 1, "a": "x"}, {"c": None}]), b'{"a":"x","b":1}\n{"c":null}\n')
        self.assertEqual(bronze.to_json_lines([]), b"")


@mock_aws
class WriteRecordsTest(unittest.TestCase):
    def setUp(self):
        self.s3 = boto3.client("s3", region_name="us-east-1")
        self.s3.create_bucket(Bucket=BUCKET)

    def test_writes_json_lines_with_metadata(self):
        key = bronze.object_key("api/", "rates", "2024-05-01")
        size = bronze.write_records(self.s3, BUCKET, key, [{"id": 1}, {"id": 2}], metadata={"pages": 1})
        obj = self.s3.get_object(Bucket=BUCKET, Key=key)
        body = obj["Body"].read()
        self.assertEqual(size, len(body))
        self.assertEqual([json.loads(line) for line in body.splitlines()], [{"id": 1}, {"id": 2}])
        self.assertEqual(obj["Metadata"], {"pages": "1"})
        self.assertEqual(obj["ContentType"], "application/x-ndjson")

    def test_rerun_of_a_day_overwrites_instead_of_duplicating(self):
        key = bronze.object_key("api/", "rates", "2024-05-01")
        bronze.write_records(self.s3, BUCKET, key, [{"id": 1}])
        bronze.write_records(self.s3, BUCKET, key, [{"id": 1}, {"id": 2}])
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="api/rates/")["Contents"]
        self.assertEqual([o["Key"] for o in listed], [key])
        self.assertEqual(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().count(b"\n"), 2)
