"""A loopback stand-in for the part of the Databricks REST API the set-up calls: Unity Catalog's
storage credentials, external locations, catalogs, workspace bindings, schemas and permissions,
and SCIM's Me for the workspace ID. It keeps what it is told in memory, answers a missing name as
Databricks does (404, RESOURCE_DOES_NOT_EXIST, which the SDK raises as NotFound), refuses what
Databricks refuses that the set-up could get wrong (a location on an unknown credential, a
schema in an unknown catalog, an unknown privilege), and records every request that changes
something."""

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from databricks.sdk.service.catalog import Privilege

WORKSPACE_ID = 1234567890123456
UC = "/api/2.1/unity-catalog"
PRIVILEGES = {p.value for p in Privilege}
# The role Databricks reports as assuming every storage credential (unity_catalog_iam_arn) in
# AWS's commercial regions, as its guide "Create a storage credential for connecting to AWS S3"
# prints it in the role's trust policy. The stub plays Databricks, so it holds the value itself.
DATABRICKS_MASTER_ROLE = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"


class Refused(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code = status, code


def missing(kind, name):
    return Refused(404, "RESOURCE_DOES_NOT_EXIST", f"{kind} '{name}' does not exist.")


class Workspace:
    """The stub's state: one workspace and its metastore."""

    def __init__(self):
        self.credentials, self.locations, self.catalogs, self.schemas = {}, {}, {}, {}
        self.bindings = {}  # catalog -> {workspace_id: binding_type}
        self.grants = {}  # (securable type, full name) -> {principal: set of privileges}
        self.changes = []  # (method, path, body) of every request that changed something
        self.reads = []  # (path, query) of every GET
        # The page length of a paged permissions read (max_results given), None for the server's
        # default of 100. A paged read starts with an empty page and a token, which the API
        # reference allows ("a page may contain zero results while still providing a
        # next_page_token"), so a reader that stops at the first page sees nothing.
        self.grants_page_size = None
        self.master_role = DATABRICKS_MASTER_ROLE
        # Databricks validates a new location through the credential's role: a trust without the
        # external ID fails it.
        self.refuse_locations = False
        self.lock = threading.Lock()

    def handle(self, method, path, query, body):
        routes = [
            ("GET", r"/api/2\.0/preview/scim/v2/Me", lambda: {"userName": "deployer"}),
            ("POST", UC + r"/storage-credentials", lambda: self.create_credential(body)),
            (
                "GET",
                UC + r"/storage-credentials/(?P<name>[^/]+)",
                lambda name: self.get(self.credentials, "Storage Credential", name),
            ),
            ("PATCH", UC + r"/storage-credentials/(?P<name>[^/]+)", lambda name: self.update_credential(name, body)),
            ("POST", UC + r"/external-locations", lambda: self.create_location(body)),
            (
                "GET",
                UC + r"/external-locations/(?P<name>[^/]+)",
                lambda name: self.get(self.locations, "External Location", name),
            ),
            ("PATCH", UC + r"/external-locations/(?P<name>[^/]+)", lambda name: self.update_location(name, body)),
            ("POST", UC + r"/catalogs", lambda: self.create_catalog(body)),
            ("GET", UC + r"/catalogs/(?P<name>[^/]+)", lambda name: self.get(self.catalogs, "Catalog", name)),
            ("PATCH", UC + r"/catalogs/(?P<name>[^/]+)", lambda name: self.update_catalog(name, body)),
            ("GET", UC + r"/bindings/catalog/(?P<name>[^/]+)", lambda name: self.get_bindings(name)),
            ("PATCH", UC + r"/bindings/catalog/(?P<name>[^/]+)", lambda name: self.update_bindings(name, body)),
            ("POST", UC + r"/schemas", lambda: self.create_schema(body)),
            ("GET", UC + r"/schemas/(?P<name>[^/]+)", lambda name: self.get(self.schemas, "Schema", name)),
            (
                "GET",
                UC + r"/permissions/(?P<kind>[a-z_]+)/(?P<name>[^/]+)",
                lambda kind, name: self.get_grants(kind, name, query),
            ),
            (
                "PATCH",
                UC + r"/permissions/(?P<kind>[a-z_]+)/(?P<name>[^/]+)",
                lambda kind, name: self.update_grants(kind, name, body),
            ),
        ]
        for verb, pattern, answer in routes:
            if verb == method and (m := re.fullmatch(pattern, path)):
                with self.lock:
                    result = answer(**m.groupdict())
                    if method != "GET":
                        self.changes.append((method, path, body))
                    else:
                        self.reads.append((path, query))
                    return result
        raise Refused(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")

    @staticmethod
    def get(store, kind, name):
        if name not in store:
            raise missing(kind, name)
        return store[name]

    def create_credential(self, body):
        name = body["name"]
        if name in self.credentials:
            raise Refused(409, "RESOURCE_ALREADY_EXISTS", f"Storage Credential '{name}' already exists.")
        if not body.get("skip_validation"):
            # The role cannot trust an external ID that does not exist yet: validation fails.
            raise Refused(400, "INVALID_PARAMETER_VALUE", "Failed to assume the IAM role.")
        role = body["aws_iam_role"]["role_arn"]
        self.credentials[name] = {
            "name": name,
            "aws_iam_role": {
                "role_arn": role,
                "external_id": str(uuid.uuid4()),
                "unity_catalog_iam_arn": self.master_role,
            },
        }
        return self.credentials[name]

    def update_credential(self, name, body):
        credential = self.get(self.credentials, "Storage Credential", name)
        if "aws_iam_role" in body:
            # The external ID belongs to the credential: a new role keeps it.
            credential["aws_iam_role"]["role_arn"] = body["aws_iam_role"]["role_arn"]
        return credential

    def create_location(self, body):
        name = body["name"]
        if name in self.locations:
            raise Refused(409, "RESOURCE_ALREADY_EXISTS", f"External Location '{name}' already exists.")
        self.get(self.credentials, "Storage Credential", body["credential_name"])
        if self.refuse_locations:
            raise Refused(400, "INVALID_PARAMETER_VALUE", "Failed to access cloud storage: AccessDenied.")
        self.locations[name] = {k: body.get(k) for k in ("name", "url", "credential_name", "read_only", "comment")}
        # Unity Catalog keeps a location's URL without its trailing slash.
        self.locations[name]["url"] = body["url"].rstrip("/")
        # File events are on unless the request says false: "enable_file_events ... Default to
        # true" (API reference, external locations, create).
        events = body.get("enable_file_events", True)
        self.locations[name].update(enable_file_events=events, effective_enable_file_events=events)
        return self.locations[name]

    def update_location(self, name, body):
        location = self.get(self.locations, "External Location", name)
        if "credential_name" in body:
            self.get(self.credentials, "Storage Credential", body["credential_name"])
        location.update({k: v for k, v in body.items() if k in location})
        location["url"] = location["url"].rstrip("/")
        location["effective_enable_file_events"] = location["enable_file_events"]
        return location

    def create_catalog(self, body):
        name = body["name"]
        if name in self.catalogs:
            raise Refused(409, "CATALOG_ALREADY_EXISTS", f"Catalog '{name}' already exists.")
        self.catalogs[name] = {"name": name, "storage_root": body.get("storage_root"), "isolation_mode": "OPEN"}
        return self.catalogs[name]

    def update_catalog(self, name, body):
        catalog = self.get(self.catalogs, "Catalog", name)
        if body.get("isolation_mode") == "ISOLATED":
            # Databricks binds the workspace that isolates a catalog to it.
            self.bindings.setdefault(name, {}).setdefault(WORKSPACE_ID, "BINDING_TYPE_READ_WRITE")
        catalog.update({k: v for k, v in body.items() if k in catalog})
        return catalog

    def get_bindings(self, name):
        self.get(self.catalogs, "Catalog", name)
        bound = self.bindings.get(name, {})
        return {"bindings": [{"workspace_id": w, "binding_type": t} for w, t in bound.items()]}

    def update_bindings(self, name, body):
        self.get(self.catalogs, "Catalog", name)
        bound = self.bindings.setdefault(name, {})
        for b in body.get("remove", []):
            bound.pop(b["workspace_id"], None)
        for b in body.get("add", []):
            bound[b["workspace_id"]] = b.get("binding_type", "BINDING_TYPE_READ_WRITE")
        return self.get_bindings(name)

    def create_schema(self, body):
        catalog = body["catalog_name"]
        self.get(self.catalogs, "Catalog", catalog)
        full = f"{catalog}.{body['name']}"
        if full in self.schemas:
            raise Refused(409, "SCHEMA_ALREADY_EXISTS", f"Schema '{full}' already exists.")
        self.schemas[full] = {"name": body["name"], "catalog_name": catalog, "full_name": full}
        return self.schemas[full]

    def securable(self, kind, name):
        stores = {
            "catalog": (self.catalogs, "Catalog"),
            "schema": (self.schemas, "Schema"),
            "external_location": (self.locations, "External Location"),
        }
        if kind not in stores:
            raise Refused(400, "INVALID_PARAMETER_VALUE", f"Unsupported securable type {kind}.")
        self.get(*stores[kind], name)
        return self.grants.setdefault((kind, name), {})

    def get_grants(self, kind, name, query):
        granted = self.securable(kind, name)
        principal = query.get("principal", [None])[0]
        assignments = [
            {"principal": p, "privileges": sorted(privileges)}
            for p, privileges in granted.items()
            if privileges and principal in (None, p)
        ]
        if "max_results" not in query:
            # "If not set, all the permissions are returned" (the SDK's GrantsAPI.get).
            return {"privilege_assignments": assignments}
        return self.page(assignments, int(query["max_results"][0]), query.get("page_token", [None])[0])

    def page(self, assignments, max_results, token):
        """One page of a paged permissions read, as GrantsAPI.get documents max_results: 0 is
        the server's page length, 1 to 149 and negatives are refused, 150 or more is capped by
        the server's length. The first page is empty, with a token."""
        if max_results < 0 or 0 < max_results < 150:
            raise Refused(400, "INVALID_PARAMETER_VALUE", f"max_results {max_results} is invalid.")
        if token is None:
            return {"privilege_assignments": [], "next_page_token": "0"}
        length = self.grants_page_size or 100
        if max_results:
            length = min(length, max_results)
        start = int(token)
        answer = {"privilege_assignments": assignments[start : start + length]}
        if start + length < len(assignments):
            answer["next_page_token"] = str(start + length)
        return answer

    def update_grants(self, kind, name, body):
        granted = self.securable(kind, name)
        for change in body.get("changes", []):
            unknown = set(change.get("add", [])) - PRIVILEGES
            if unknown:
                raise Refused(400, "INVALID_PARAMETER_VALUE", f"Privileges {sorted(unknown)} are not valid.")
            held = granted.setdefault(change["principal"], set())
            held |= set(change.get("add", []))
            held -= set(change.get("remove", []))
        return self.get_grants(kind, name, {})


class Stub:
    """The stub served on 127.0.0.1 in a thread; url is what DATABRICKS_HOST takes."""

    def __init__(self):
        self.workspace = Workspace()
        workspace = self.workspace

        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else {}
                headers = {}
                try:
                    status, result = 200, workspace.handle(self.command, url.path, parse_qs(url.query), body)
                    if url.path.endswith("/scim/v2/Me"):
                        headers["X-Databricks-Org-Id"] = str(WORKSPACE_ID)
                except Refused as e:
                    status, result = e.status, {"error_code": e.code, "message": str(e)}
                page = json.dumps(result).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(page)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(page)

            do_GET = do_POST = do_PATCH = answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
