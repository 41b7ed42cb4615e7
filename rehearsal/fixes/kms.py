"""AWS::KMS::Key as CloudFormation creates it: tagged keys and key policies."""

import json

from moto.kms.models import Key

from . import patching


def _key(create, props, *_):
    # moto 5.2 hands the template's Tags ({Key, Value}) to KMS's tagging code, which wants
    # {TagKey, TagValue}: every tagged AWS::KMS::Key fails with KeyError 'TagKey'.
    if props.get("Tags"):
        props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props["Tags"] if "Key" in t]
    # It also stores KeyPolicy as the template's object, where its API code expects a JSON
    # string: every later DescribeKey then fails with a TypeError (HTTP 500).
    if isinstance(props.get("KeyPolicy"), dict):
        props["KeyPolicy"] = json.dumps(props["KeyPolicy"])
    return create()


_create_key = patching.around_create(Key, _key)


def apply():
    """AWS::KMS::Key passes its Tags and KeyPolicy to moto's KMS in the shapes it expects."""
    patching.replace(Key, "create_from_cloudformation_json", _create_key)
