"""A loopback stand-in for Athena's query API, answering by SQL pattern: moto's Athena answers
every query with the next primed result in call order and never fails one, so a late, missing
or failing answer cannot be expressed there. The smoke's boto3 client reaches this through
AWS_ENDPOINT_URL_ATHENA; every call is recorded with the access key that signed it, for the
IAM check."""

import itertools
import json
import re

from tests import loopback
from tests.iam import CREDENTIAL


class Failed(Exception):
    """Raised by an answer: the query FAILS with this reason, as Athena reports it."""


class Athena:
    """rules: [(regex, answer)], the first match answering; answer(sql) returns the rows (lists
    of strings) or raises Failed. A query no rule matches fails as Athena's TABLE_NOT_FOUND."""

    def __init__(self, rules):
        self.rules = [(re.compile(pattern, re.S), answer) for pattern, answer in rules]
        self.queries = {}
        self.calls = []  # (access key, "athena:<Action>", workgroup or query id)
        self._ids = itertools.count(1)

    def handle(self, action, body, access_key):
        resource = body.get("WorkGroup") or body.get("QueryExecutionId")
        self.calls.append((access_key, f"athena:{action}", resource))
        if action == "StartQueryExecution":
            qid = f"q{next(self._ids)}"
            self.queries[qid] = {"sql": body["QueryString"], "workgroup": body.get("WorkGroup"), **self._answer(body)}
            return {"QueryExecutionId": qid}
        query = self.queries[body["QueryExecutionId"]]
        if action == "GetQueryExecution":
            status = {"State": query["state"]}
            if query["state"] == "FAILED":
                status["StateChangeReason"] = query["reason"]
            return {
                "QueryExecution": {
                    "QueryExecutionId": body["QueryExecutionId"],
                    "Query": query["sql"],
                    "Status": status,
                }
            }
        if action == "GetQueryResults":
            header = [{"VarCharValue": "c"}]
            rows = [{"Data": header}] + [{"Data": [{"VarCharValue": v} for v in row]} for row in query["rows"]]
            return {"ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": []}}}
        if action == "StopQueryExecution":
            return {}
        raise ValueError(f"the Athena stand-in has no {action}")

    def _answer(self, body):
        for pattern, answer in self.rules:
            if pattern.search(body["QueryString"]):
                try:
                    return {
                        "state": "SUCCEEDED",
                        "rows": [[str(v) for v in row] for row in answer(body["QueryString"])],
                    }
                except Failed as e:
                    return {"state": "FAILED", "reason": str(e), "rows": []}
        return {"state": "FAILED", "reason": "TABLE_NOT_FOUND: no rule answers this query", "rows": []}

    def sql(self):
        return [q["sql"] for q in self.queries.values()]


class Server(loopback.Server):
    """Serves an Athena on a free loopback port while in a with block."""

    def __init__(self, athena):
        self.athena = athena

        class Handler(loopback.QuietHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                action = self.headers["X-Amz-Target"].split(".")[-1]
                key = CREDENTIAL.search(self.headers.get("Authorization", ""))
                answer = json.dumps(athena.handle(action, body, key.group(1) if key else None)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        super().__init__(Handler)
