"""platform_lib.smoke: stages and budgets from the option, the wait's three outcomes on a fake
clock, and the summary's lines."""

import pytest

from platform_lib import smoke


def test_stages_come_in_the_summarys_order_with_their_budgets():
    assert smoke.parse_stages("readers=60, database_bronze=900") == {"database_bronze": 900, "readers": 60}
    assert smoke.parse_stages("") == {}


@pytest.mark.parametrize("bad", ["database_bronze", "nope=5", "readers=0", "readers=1.5", "readers=-1"])
def test_a_bad_stage_item_is_one_error_naming_the_option_and_what_is_allowed(bad):
    with pytest.raises(ValueError) as e:
        smoke.parse_stages(bad)
    assert "AIRFLOW__PLATFORM__SMOKE_STAGES" in str(e.value) and repr(bad) in str(e.value)
    assert "database_bronze, database_silver" in str(e.value)


class Clock:
    """Time that moves only when the wait sleeps."""

    def __init__(self):
        self.now = 1000.0

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def arriving_at(clock, at, seen="seen"):
    return lambda: (clock.now >= at, seen)


def test_a_stage_seen_within_its_budget_arrived():
    clock = Clock()
    arrival = smoke.wait("stream_bronze", 100, 1000.0, arriving_at(clock, 1050), clock.time, clock.sleep)
    assert (arrival.outcome, arrival.latency) == ("arrived", 50.0)
    assert arrival.report() == "stream_bronze: arrived 50 s after marking, within its budget of 100 s"


def test_a_stage_seen_after_its_budget_is_late_and_says_how_late():
    clock = Clock()
    arrival = smoke.wait("stream_bronze", 100, 1000.0, arriving_at(clock, 1150), clock.time, clock.sleep)
    assert (arrival.outcome, arrival.latency) == ("late", 150.0)
    assert "over its budget of 100 s" in arrival.report()


def test_a_stage_never_seen_is_missing_after_twice_its_budget():
    clock = Clock()
    arrival = smoke.wait("stream_bronze", 100, 1000.0, arriving_at(clock, 10**9, "3 of 4"), clock.time, clock.sleep)
    assert arrival.outcome == "missing" and arrival.latency is None
    assert clock.now == 1000.0 + smoke.LATE_FACTOR * 100
    assert arrival.report() == "stream_bronze: not arrived 200 s after marking, budget 100 s (last seen: 3 of 4)"


def test_the_summary_says_not_applicable_never_passed_for_stages_the_environment_lacks():
    budgets = {"database_bronze": 900, "readers": 60}
    arrived = smoke.Arrival("database_bronze", 900, "arrived", 12.0, "all").as_dict()
    lines, failed = smoke.summary(budgets, {"database_bronze": arrived})
    assert lines[0] == "database_bronze: arrived 12 s after marking, within its budget of 900 s"
    assert "database_silver: not applicable in this environment" in lines
    assert "readers: not reached (budget 60 s): an earlier stage failed" in lines
    assert failed == ["readers"]


def test_where_the_data_tells_when_it_arrived_that_time_counts_not_the_checks():
    """A stage checked late (its task waited behind another) still arrived when its object was
    written."""
    clock = Clock()
    clock.now = 1500.0
    arrival = smoke.wait("database_bronze", 100, 1000.0, lambda: (True, "4 of 4", 1030.0), clock.time, clock.sleep)
    assert (arrival.outcome, arrival.latency) == ("arrived", 30.0)
