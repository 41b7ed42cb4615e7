"""AWS::IAM::Role as CloudFormation creates and deletes it: inline and managed policies."""

import json

from moto.iam.models import Role, iam_backends
from moto.utilities.utils import get_partition

from . import patching


def _role(create, props, account_id, region_name):
    # moto 5.2 stores a role's inline Policies as the template's object, and its API answers
    # with that object's Python repr instead of a JSON document.
    for policy in props.get("Policies") or []:
        if not isinstance(policy.get("PolicyDocument"), str):
            policy["PolicyDocument"] = json.dumps(policy["PolicyDocument"])
    role = create()
    # It also ignores ManagedPolicyArns. Attaching them fails, as in AWS, for a policy that
    # does not exist (such as a misspelt AWS managed policy).
    backend = iam_backends[account_id][get_partition(region_name)]
    for arn in props.get("ManagedPolicyArns") or []:
        backend.attach_role_policy(arn, role.name)
    return role


_create_role = patching.around_create(Role, _role)


def _delete_role(role, account_id, region_name):
    # moto 5.2 deletes a stack's role without first detaching its managed policies, as
    # CloudFormation does; IAM then refuses (DeleteConflict) and the stack cannot be deleted.
    backend = iam_backends[account_id][get_partition(region_name)]
    for arn in list(role.managed_policies):
        backend.detach_role_policy(arn, role.name)
    Role.delete_from_cloudformation_json(role.name, {}, account_id, region_name)


def apply():
    """AWS::IAM::Role stores its inline Policies as JSON, attaches its ManagedPolicyArns and
    detaches them again when its stack is deleted."""
    patching.replace(Role, "create_from_cloudformation_json", _create_role)
    patching.replace(Role, "delete", _delete_role)
