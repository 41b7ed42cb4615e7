"""Which IAM actions the tasks called, read from moto's request recording, and whether the
execution role's policy allows each on its resource. moto enforces no IAM, so this is what
catches a task that would be denied on MWAA."""

import base64
import fnmatch
import itertools
import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

CREDENTIAL = re.compile(r"Credential=([^/]+)/\d+/([^/]+)/([^/]+)/aws4_request")


def calls(recording_path, access_key, account, skip=0):
    """(action, resource ARN or None) of every request signed with access_key, in order,
    after the first skip requests of the recording."""
    out = []
    with open(recording_path, encoding="utf-8") as f:
        for line in itertools.islice(f, skip, None):
            entry = json.loads(line)
            headers = {k.lower(): v for k, v in entry["headers"].items()}
            m = CREDENTIAL.search(headers.get("authorization", ""))
            if not m or m.group(1) != access_key:
                continue
            region, service = m.group(2), m.group(3)
            body = entry.get("body") or ""
            if entry.get("body_encoded"):
                body = base64.b64decode(body).decode("utf-8", "replace")
            out.append(_call(service, region, account, entry["method"], entry["url"], headers, body))
    return out


def _call(service, region, account, method, url, headers, body):
    if service == "s3":
        path = unquote(urlsplit(url).path).lstrip("/")
        host = urlsplit(url).hostname or ""
        bucket, _, key = path.partition("/")
        if ".s3." in host or host.endswith(".localhost"):  # virtual-hosted style
            bucket, key = host.split(".")[0], path
        if method == "GET" and not key:  # ListObjectsV2: the bucket is the resource
            return "s3:ListBucket", f"arn:aws:s3:::{bucket}"
        action = {"PUT": "s3:PutObject", "GET": "s3:GetObject", "HEAD": "s3:GetObject", "DELETE": "s3:DeleteObject"}[
            method
        ]
        return action, f"arn:aws:s3:::{bucket}/{key}"
    # A service whose signing name is not its IAM prefix.
    service = {"monitoring": "cloudwatch"}.get(service, service)
    if headers.get("smithy-protocol") == "rpc-v2-cbor":  # the operation is in the path
        return f"{service}:{urlsplit(url).path.rsplit('/', 1)[-1]}", None
    target = headers.get("x-amz-target")
    if target:  # JSON protocol: AWSGlue.StartCrawler, secretsmanager.GetSecretValue
        action = target.split(".")[-1]
        doc = json.loads(body or "{}")
        return f"{service}:{action}", _json_resource(service, region, account, doc)
    query = {k: v[0] for k, v in parse_qs(body).items()}  # query protocol: SNS, STS
    return f"{service}:{query.get('Action')}", query.get("TopicArn") or query.get("TargetArn") or query.get("RoleArn")


def _json_resource(service, region, account, doc):
    if service == "glue" and "Name" in doc:
        return f"arn:aws:glue:{region}:{account}:crawler/{doc['Name']}"
    if service == "kinesis" and "StreamName" in doc:
        return f"arn:aws:kinesis:{region}:{account}:stream/{doc['StreamName']}"
    if service == "secretsmanager":
        # A secret's ARN is its name and a random six-character suffix.
        return f"arn:aws:secretsmanager:{region}:{account}:secret:{doc.get('SecretId')}-AbCdEf"
    return None


def _resource_matches(pattern, resource):
    if resource is None:
        # A call whose resource this recorder cannot name matches only an unscoped statement.
        return pattern == "*"
    return fnmatch.fnmatchcase(resource, pattern)


def denied(calls_made, statements):
    """The calls no Allow statement covers: action and resource both must match. statements
    have literal resources (mwaa.execution_policy resolves them)."""
    missing = []
    for action, resource in calls_made:
        allowed = False
        for s in statements:
            if s["Effect"] != "Allow":
                continue
            actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
            if any(fnmatch.fnmatchcase(action, a) for a in actions) and any(
                _resource_matches(r, resource) for r in resources
            ):
                allowed = True
                break
        if not allowed:
            missing.append((action, resource))
    return missing
