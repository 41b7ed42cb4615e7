import unittest

from platform_lib import settings


class SettingsTest(unittest.TestCase):
    def test_reads_mwaa_configuration_options_from_the_environment(self):
        environ = {"AIRFLOW__PLATFORM__BRONZE_BUCKET": " bronze-bucket ",
                   "AIRFLOW__PLATFORM__CRAWLERS": "a-rds, a-kinesis,,a-api"}
        self.assertEqual(settings.get(settings.BRONZE_BUCKET, environ), "bronze-bucket")
        self.assertEqual(settings.get_list(settings.CRAWLERS, environ), ["a-rds", "a-kinesis", "a-api"])

    def test_missing_setting_names_the_variable(self):
        with self.assertRaisesRegex(settings.MissingSetting, "AIRFLOW__PLATFORM__DBT_WORKGROUP is not set"):
            settings.get(settings.DBT_WORKGROUP, {})
