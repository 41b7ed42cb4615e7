"""The smoke run's stages (platform_smoke): which apply, each one's budget, and how a stage's
arrival is waited for, measured and reported.

Stages and budgets come from config through the Airflow stack (platform.smoke_stages,
"name=seconds,..."; config's Environment.SmokeStages derives each budget). A stage the option
leaves out has its component off in the environment (develop has no Databricks; production
writes no marked data unless config allows it): it is reported "not applicable", never passed.
"""

import json
import os
import time
from dataclasses import asdict, dataclass

from platform_lib import settings

# Every stage, in the order the summary lists them.
STAGES = (
    "database_bronze",
    "database_silver",
    "database_history",
    "database_serving",
    "stream_bronze",
    "stream_silver",
    "stream_serving",
    "api_bronze",
    "api_silver",
    "readers",
)
# A stage is waited for up to this many times its budget, so that a late arrival is told apart
# from one that never came: both fail the run.
LATE_FACTOR = 2
# How often a stage is checked: a tenth of its budget, at most this often and at least this
# seldom. A latency is known to within one interval.
MIN_POLL_SECONDS, MAX_POLL_SECONDS = 1, 30


class StageMissed(RuntimeError):
    """A stage did not arrive within its budget: the message names the stage, the budget and
    what was seen."""


def parse_stages(text):
    """{stage: budget seconds} of a platform.smoke_stages value, in STAGES' order."""
    budgets = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, seconds = item.partition("=")
        if not sep or name not in STAGES or not seconds.isdigit() or int(seconds) < 1:
            raise ValueError(
                f"{settings.env_var('smoke_stages')}: {item!r} is not <stage>=<seconds>; "
                f"stages are {', '.join(STAGES)}, seconds a whole number of at least 1"
            )
        budgets[name] = int(seconds)
    return {name: budgets[name] for name in STAGES if name in budgets}


def configured(environ=None):
    """The stages that apply to this environment, with their budgets."""
    return parse_stages(settings.optional(settings.SMOKE_STAGES, environ))


@dataclass(frozen=True)
class Arrival:
    """How one stage went: arrived in time, late, or missing; seconds from marking."""

    stage: str
    budget: int
    outcome: str  # "arrived", "late" or "missing"
    latency: float | None
    seen: str

    def report(self):
        if self.outcome == "arrived":
            return f"{self.stage}: arrived {self.latency:.0f} s after marking, within its budget of {self.budget} s"
        if self.outcome == "late":
            return (
                f"{self.stage}: arrived {self.latency:.0f} s after marking, over its budget of {self.budget} s "
                f"(seen: {self.seen})"
            )
        return (
            f"{self.stage}: not arrived {LATE_FACTOR * self.budget} s after marking, budget {self.budget} s "
            f"(last seen: {self.seen})"
        )

    def as_dict(self):
        return asdict(self)


def poll_interval(budget):
    return min(MAX_POLL_SECONDS, max(MIN_POLL_SECONDS, budget / 10))


def wait(stage, budget, marked_at, check, clock=time.time, sleep=time.sleep):
    """Checks a stage until it arrives or LATE_FACTOR times its budget has passed since
    marked_at (epoch seconds). check() returns (arrived, seen) or (arrived, seen, arrived_at):
    seen says what it found, arrived_at when the data arrived where the data tells it (a bronze
    object's write time), else the check's own time counts. Returns the Arrival; the caller
    fails the stage unless it arrived in time."""
    interval = poll_interval(budget)
    while True:
        arrived, seen, *at = check()
        now = clock()
        waited = now - marked_at
        if arrived:
            latency = max(0.0, (at[0] if at and at[0] is not None else now) - marked_at)
            return Arrival(stage, budget, "arrived" if latency <= budget else "late", round(latency, 1), seen)
        if waited >= LATE_FACTOR * budget:
            return Arrival(stage, budget, "missing", None, seen)
        sleep(min(interval, max(0.0, LATE_FACTOR * budget - waited)))


def put_latency(cloudwatch, namespace, arrival):
    """Records a stage's latency (seconds from marking to arrival), or a miss, in the
    environment's smoke namespace, one metric per stage."""
    data = [{"MetricName": "Missed", "Dimensions": [{"Name": "Stage", "Value": arrival.stage}], "Value": 0.0}]
    if arrival.latency is not None:
        data.append(
            {
                "MetricName": "Latency",
                "Dimensions": [{"Name": "Stage", "Value": arrival.stage}],
                "Unit": "Seconds",
                "Value": float(arrival.latency),
            }
        )
    if arrival.outcome != "arrived":
        data[0]["Value"] = 1.0
    cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)


def summary(budgets, arrivals):
    """One line per stage, in STAGES' order: its outcome, budget and latency, or why it has
    none (not applicable, not reached because an earlier stage failed). Returns (lines, failed
    stages)."""
    lines, failed = [], []
    for stage in STAGES:
        if stage not in budgets:
            lines.append(f"{stage}: not applicable in this environment")
            continue
        arrival = arrivals.get(stage)
        if arrival is None:
            lines.append(f"{stage}: not reached (budget {budgets[stage]} s): an earlier stage failed")
            failed.append(stage)
            continue
        lines.append(Arrival(**arrival).report())
        if arrival["outcome"] != "arrived":
            failed.append(stage)
    return lines, failed


PLAN_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "smoke_plan.json")


def load_plan(path=None):
    """What to mark and where to look for it (smoke_plan.json, generated from config by make
    generate and shipped with the DAGs)."""
    with open(path or PLAN_FILE, encoding="utf-8") as f:
        return json.load(f)
