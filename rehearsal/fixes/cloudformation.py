"""CloudFormation itself: intrinsic functions, change sets, termination protection and stack
deletion as `cdk deploy` and `cdk destroy` use them."""

import json

from moto.cloudformation import models, parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from . import patching

_clean_json = parsing.clean_json
_apply_change_set = models.ChangeSet.apply
_delete_stack = CloudFormationResponse.delete_stack


def _skipped(cfn_type):
    """Whether moto's CloudFormation skips (creates nothing for) resources of this type."""
    return (
        not cfn_type.startswith("Custom::")
        and cfn_type not in parsing.NULL_MODELS
        and cfn_type not in parsing.get_model_map()
    )


def _skipped_reference(resource_json, resources_map):
    """A stand-in for a Ref or Fn::GetAtt to a resource of a type moto skips, or None.

    moto fails the whole stack on such a reference ("Fn::GetAtt references undefined
    resource"), so one skipped type (a CloudWatch alarm) would hide every other resource of
    the stack. The rehearsal lists the skipped resource as not verified either way."""
    if not isinstance(resource_json, dict) or len(resource_json) != 1:
        return None
    ((fn, arg),) = resource_json.items()
    if fn == "Ref" and isinstance(arg, str):
        logical, attr = arg, None
    elif fn == "Fn::GetAtt":
        logical, attr = (arg[0], arg[1]) if isinstance(arg, list) else arg.split(".", 1)
    else:
        return None
    resource = (getattr(resources_map, "_resource_json_map", None) or {}).get(logical)
    if not isinstance(resource, dict) or not _skipped(resource.get("Type", "")):
        return None
    # ARN-shaped, as a Ref is for some types (secrets, topics) and IAM policies require.
    arn = f"arn:aws:rehearsal:{resources_map._region_name}:{resources_map._account_id}:skipped/{logical}"
    return arn if attr in (None, "Arn") else f"{arn}/{attr}"


def _clean_json_with_stack_outputs(resource_json, resources_map):
    stand_in = _skipped_reference(resource_json, resources_map)
    if stand_in is not None:
        return stand_in
    # moto 5.2 does not know Fn::GetStackOutput, which CDK's weak cross-stack references
    # (@aws-cdk/core:defaultCrossStackReferences) write; it passes the object on and fails
    # later (e.g. TypeError: unhashable type: 'dict' for a security group's VpcId).
    if (
        isinstance(resource_json, dict)
        and "Fn::GetStackOutput" in resource_json
        and hasattr(resources_map, "_account_id")
    ):
        arg = _clean_json(resource_json["Fn::GetStackOutput"], resources_map)
        backend = models.cloudformation_backends[resources_map._account_id][
            arg.get("Region") or resources_map._region_name
        ]
        stack = backend.get_stack(arg["StackName"])
        for output in stack.output_map.values():
            if output and output.key == arg["OutputName"]:
                return output.value
        raise ValidationError(message=f"Stack {arg['StackName']} has no output {arg['OutputName']}")
    return _clean_json(resource_json, resources_map)


def _apply_change_set_with_outputs(change_set):
    # moto 5.2 builds a stack's outputs when the change set is created, from the empty
    # template of a stack under review, and never again: every `cdk deploy` stack has none.
    # Nor does it give such a stack the exports to resolve Fn::ImportValue against, or publish
    # the stack's own exports as CreateStack does (DeleteStack then fails on the missing one).
    stack = change_set.stack
    backend = models.cloudformation_backends[stack.account_id][stack.region_name]
    stack.cross_stack_resources = stack.resource_map.cross_stack_resources = backend.exports
    _apply_change_set(change_set)
    stack.output_map = parsing.OutputMap(stack.resource_map, change_set.template_dict, stack.stack_id)
    for export in stack.exports:
        backend.exports[export.name] = export


def _update_termination_protection(self):
    # moto 5.2 does not implement UpdateTerminationProtection, which `cdk deploy` calls for
    # every stack (HTTP 500 for protected ones).
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    stack.enable_termination_protection = self._get_bool_param("EnableTerminationProtection", False)
    return ActionResult({"StackId": stack.stack_id})


def _delete_stack_unless_protected(self):
    # ... nor does it refuse to delete a protected stack, or one whose export another stack
    # imports, as CloudFormation does.
    name = self._get_param("StackName")
    stack = self.cloudformation_backend.get_stack(name)
    if stack.status == "DELETE_COMPLETE":
        return _delete_stack(self)
    if getattr(stack, "enable_termination_protection", False):
        raise ValidationError(message=f"Stack [{name}] cannot be deleted while TerminationProtection is enabled")
    for export in getattr(stack, "exports", []):
        for other in self.cloudformation_backend.stacks.values():
            if other is not stack and other.status != "DELETE_COMPLETE" and _imports(_template_of(other), export.name):
                raise ValidationError(message=f"Export {export.name} cannot be deleted as it is in use by {other.name}")
    response = _delete_stack(self)
    # moto evaluates a stack's outputs anew on every DescribeStacks, even once it is deleted,
    # and evaluating a Fn::GetAtt re-creates the deleted resource (the account stack's
    # dms-vpc-role, whose ARN it exports). A deleted stack has nothing left to report.
    stack.output_map = parsing.OutputMap(stack.resource_map, {}, stack.stack_id)
    return response


def _template_of(stack):
    # A stack made by a change set keeps its template only as text (template_dict stays {}).
    if isinstance(stack.template, str) and stack.template.strip().startswith("{"):
        return json.loads(stack.template)
    return stack.template_dict


def _imports(node, export_name):
    """Whether a template (or a part of one) holds Fn::ImportValue of export_name."""
    if isinstance(node, dict):
        return node.get("Fn::ImportValue") == export_name or any(_imports(v, export_name) for v in node.values())
    if isinstance(node, list):
        return any(_imports(v, export_name) for v in node)
    return False


def apply():
    """Fn::GetStackOutput, references to skipped types, change sets' outputs and exports,
    UpdateTerminationProtection, and DeleteStack's refusals and deleted stacks' outputs."""
    # clean_json calls itself through the module's name, so nested uses are covered too.
    patching.replace(parsing, "clean_json", _clean_json_with_stack_outputs)
    patching.replace(models.ChangeSet, "apply", _apply_change_set_with_outputs)
    patching.replace(CloudFormationResponse, "update_termination_protection", _update_termination_protection)
    patching.replace(CloudFormationResponse, "delete_stack", _delete_stack_unless_protected)
