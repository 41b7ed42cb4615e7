"""A loopback HTTP API that answers from a script: for each path, a list of responses served
in order (the last one again once the list is used up). The API ingestion tests point the real
DAG at it with a sources file of http://127.0.0.1 URLs."""

import json
from urllib.parse import urlsplit

from tests import loopback


def page(records, cursor=None, status=200, headers=None):
    """A JSON response; a cursor goes into the CB-AFTER header, as Coinbase pages."""
    h = dict(headers or {})
    if cursor:
        h["CB-AFTER"] = cursor
    return (status, h, json.dumps(records).encode())


def raw(body, status=200, headers=None):
    """A response with any body (for bodies that are not JSON)."""
    return (status, dict(headers or {}), body)


class Server(loopback.Server):
    """Serves script = {path: [response, ...]} on a free loopback port; records each request."""

    def __init__(self, script):
        self.script = {path: list(responses) for path, responses in script.items()}
        self.requests = []
        server = self

        class Handler(loopback.QuietHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                server.requests.append(self.path)
                responses = server.script.get(url.path) or [(404, {}, b"{}")]
                status, headers, body = responses.pop(0) if len(responses) > 1 else responses[0]
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(Handler)
