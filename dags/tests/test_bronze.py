"""Bronze keys: one object per source and day, whatever the run."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from platform_lib import bronze


def test_key_depends_only_on_source_and_day():
    want = "api/coinbase_trades/dt=2024-05-01/coinbase_trades.json"
    for day in [date(2024, 5, 1), datetime(2024, 5, 1, 23, 59, tzinfo=UTC)]:
        assert bronze.object_key("api/", "coinbase_trades", day) == want


def test_rejects_bad_days_and_prefixes():
    for bad in ["2024-05-01", None]:
        with pytest.raises(ValueError, match="must be a date or a datetime"):
            bronze.object_key("api/", "s", bad)
    with pytest.raises(ValueError, match="must end with /"):
        bronze.object_key("api", "s", date(2024, 5, 1))


def test_run_day_is_the_logical_date_or_for_a_manual_run_run_after():
    scheduled = SimpleNamespace(
        run_id="scheduled__x", logical_date=datetime(2024, 5, 1, tzinfo=UTC), run_after=datetime(2024, 5, 2, tzinfo=UTC)
    )
    manual = SimpleNamespace(run_id="manual__x", logical_date=None, run_after=datetime(2024, 5, 3, 17, 0, tzinfo=UTC))
    assert bronze.run_day(scheduled) == date(2024, 5, 1)
    assert bronze.run_day(manual) == date(2024, 5, 3)
    with pytest.raises(ValueError, match="neither a logical date nor run_after"):
        bronze.run_day(SimpleNamespace(run_id="odd", logical_date=None, run_after=None))


def test_json_lines():
    assert bronze.to_json_lines([{"b": 1, "a": "x"}, {"c": None}]) == b'{"a":"x","b":1}\n{"c":null}\n'
    assert bronze.to_json_lines([]) == b""
