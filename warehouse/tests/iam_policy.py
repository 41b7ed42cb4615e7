"""Whether the MWAA execution role's policy allows a request, evaluated as IAM does for what the
policy uses: Allow and Deny statements, wildcards in Action and Resource, and the condition
operators StringEquals and StringLike, alone or as ForAnyValue:. The policy is the one the
Airflow stack's golden template holds (test/testdata/<env>/Airflow.json, which the Go snapshot
tests keep current), read and resolved by dags/tests/mwaa.py as the DAG tests read it.

IAM's rules applied here (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an explicit Deny wins, else an Allow whose Action, Resource and every condition match, else the
request is denied. "If the key that you specify in a policy condition is not present in the
request context, the values do not match and the condition is false" (condition operators,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html),
so a statement scoped by s3:prefix does not allow a call that carries no prefix."""

import fnmatch
import importlib.util
import os
from dataclasses import dataclass, field

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass(frozen=True)
class Request:
    """One authorization IAM makes: an action on one resource, with the condition keys the
    request carries. A call that needs several resources (a Glue table, its database and the
    catalog) is one Request each. origin says who asked, for the failure message."""

    action: str
    resource: str
    context: tuple = ()
    origin: str = field(default="", compare=False)


def execution_policy(env):
    """The execution role's statements, Resources resolved to literal ARNs (dags/tests/mwaa.py)."""
    spec = importlib.util.spec_from_file_location("dags_mwaa", os.path.join(REPO, "dags", "tests", "mwaa.py"))
    mwaa = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mwaa)
    return mwaa.execution_policy(env)


def denied(requests, statements):
    """The requests the statements do not allow, each once, in order."""
    out = []
    for request in dict.fromkeys(requests):
        if not allows(statements, request):
            out.append(request)
    return out


def allows(statements, request):
    allowed = False
    for statement in statements:
        if not _applies(statement, request):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return allowed


def listed(value):
    return value if isinstance(value, list) else [value]


def _applies(statement, request):
    for unsupported in ("NotAction", "NotResource", "NotPrincipal"):
        if unsupported in statement:
            raise NotImplementedError(f"statement {statement.get('Sid')}: the checker does not evaluate {unsupported}")
    # Action names are case-insensitive; resource ARNs are not.
    if not any(fnmatch.fnmatch(request.action.lower(), a.lower()) for a in listed(statement["Action"])):
        return False
    if not any(fnmatch.fnmatchcase(request.resource, r) for r in listed(statement["Resource"])):
        return False
    return all(
        _condition(statement.get("Sid"), operator, key, listed(values), dict(request.context))
        for operator, keys in statement.get("Condition", {}).items()
        for key, values in keys.items()
    )


def _condition(sid, operator, key, values, context):
    qualifier, _, op = operator.rpartition(":")
    if qualifier not in ("", "ForAnyValue"):
        raise NotImplementedError(f"statement {sid}: the checker does not evaluate {operator}")
    match = {"StringEquals": lambda v, p: v == p, "StringLike": fnmatch.fnmatchcase}.get(op)
    if match is None:
        raise NotImplementedError(f"statement {sid}: the checker does not evaluate {operator}")
    if key not in context:
        return False
    present = listed(context[key])
    return any(match(v, p) for v in present for p in values)
