"""A loopback stand-in for the Databricks Jobs API 2.2, enough for the Databricks provider's
DatabricksRunNowOperator: jobs/list (name filter, paging), run-now, runs/get and
runs/get-output. Databricks' REST API cannot be reached from here; the real operator and hook
talk to this over HTTP, as they would to a workspace.
"""

import itertools
import json
from urllib.parse import parse_qs, urlsplit

from tests import loopback

TOKEN = "dapi-test-token"


class Workspace:
    """The jobs of one fake workspace and the runs started in it. A run reports RUNNING on its
    first runs/get and then the job's outcome: "SUCCESS" or "FAILED"."""

    def __init__(self, page_size=2):
        self.jobs = {}  # job_id -> {"name", "outcome"}
        self.runs = {}  # run_id -> {"job_id", "polls", "params"}
        self.page_size = page_size
        self.requests = []
        self._ids = itertools.count(1001)

    def add_job(self, name, outcome="SUCCESS"):
        job_id = next(self._ids)
        self.jobs[job_id] = {"name": name, "outcome": outcome}
        return job_id

    def handle(self, method, path, query, body):
        self.requests.append((method, path))
        route = {
            ("GET", "/api/2.2/jobs/list"): self._list,
            ("POST", "/api/2.2/jobs/run-now"): self._run_now,
            ("GET", "/api/2.2/jobs/runs/get"): self._get_run,
            ("GET", "/api/2.2/jobs/runs/get-output"): self._get_output,
        }.get((method, path))
        if route is None:
            return 404, {"error_code": "ENDPOINT_NOT_FOUND", "message": f"{method} {path}"}
        return route(query, body)

    def _list(self, query, _body):
        # Paged like the real API: next_page_token while more jobs follow the page. Its name
        # filter is exact but case-insensitive; the provider keeps the exact-case matches.
        name = (query.get("name") or "").lower()
        matching = [(i, j) for i, j in sorted(self.jobs.items()) if name in ("", j["name"].lower())]
        start = int(query.get("page_token") or 0)
        page = matching[start : start + self.page_size]
        answer = {"jobs": [{"job_id": i, "settings": {"name": j["name"]}} for i, j in page]}
        if start + self.page_size < len(matching):
            answer["next_page_token"] = str(start + self.page_size)
        return 200, answer

    def _run_now(self, _query, body):
        job_id = int(body["job_id"])
        if job_id not in self.jobs:
            return 400, {"error_code": "INVALID_PARAMETER_VALUE", "message": f"Job {job_id} does not exist."}
        run_id = next(self._ids)
        self.runs[run_id] = {"job_id": job_id, "polls": 0, "params": body}
        return 200, {"run_id": run_id, "number_in_job": 1}

    def _run(self, query):
        run_id = int(query["run_id"])
        run = self.runs[run_id]
        run["polls"] += 1
        outcome = self.jobs[run["job_id"]]["outcome"]
        if run["polls"] == 1:
            state = {"life_cycle_state": "RUNNING", "state_message": "In run"}
        else:
            state = {"life_cycle_state": "TERMINATED", "result_state": outcome, "state_message": ""}
        return run_id, run, state

    def _get_run(self, query, _body):
        run_id, run, state = self._run(query)
        return 200, {
            "run_id": run_id,
            "job_id": run["job_id"],
            "run_page_url": f"http://stub/#job/{run['job_id']}/run/{run_id}",
            "state": state,
            "status": {"state": state["life_cycle_state"]},
            "tasks": [{"run_id": run_id + 1, "task_key": "main", "state": state}],
        }

    def _get_output(self, query, _body):
        return 200, {"metadata": {"run_id": int(query["run_id"])}, "error": "job failed in the stub"}


class Server(loopback.Server):
    """Serves a Workspace on a free loopback port while in a with block."""

    def __init__(self, workspace):
        self.workspace = workspace
        workspace_ = workspace

        class Handler(loopback.QuietHandler):
            def _answer(self, method):
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._send(403, {"error_code": "PERMISSION_DENIED", "message": "bad token"})
                    return
                url = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                if method == "GET" and not query and body:
                    query = {k: str(v) for k, v in body.items()}
                self._send(*workspace_.handle(method, url.path, query, body))

            def _send(self, status, answer):
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

        super().__init__(Handler)
