"""AWS::Logs::LogGroup as CloudFormation creates it, next to moto's Lambda log groups."""

from moto.logs.models import LogGroup, logs_backends

from . import patching

_create_log_group = LogGroup.create_from_cloudformation_json.__func__


def _create_over_lambda_logs(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    # moto "invokes" a custom resource's Lambda while creating it and makes its log group,
    # /aws/lambda/<function>, on the way; the template's own log group for that function
    # (CDK's managed Lambda log groups) then fails: "The specified log group already exists".
    # AWS creates that group only when the function first logs, after the template's.
    backend = logs_backends[account_id][region_name]
    if resource_name.startswith("/aws/lambda/") and resource_name in backend.groups:
        backend.delete_log_group(resource_name)
    return _create_log_group(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


_create = classmethod(_create_over_lambda_logs)


def apply():
    """A template's /aws/lambda/ log group replaces the one moto made by invoking the function."""
    patching.replace(LogGroup, "create_from_cloudformation_json", _create)
