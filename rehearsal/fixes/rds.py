"""AWS::RDS::DBParameterGroup as CloudFormation references it."""

from moto.rds.models import DBParameterGroup

from . import patching

# moto 5.2's DBParameterGroup has no physical ID, so a Ref to it yields the object itself and
# the DB instance fails (AttributeError: 'DBParameterGroup' object has no attribute 'startswith').
_physical_resource_id = property(lambda group: group.name)


def apply():
    """A Ref to an AWS::RDS::DBParameterGroup yields its name."""
    patching.replace(DBParameterGroup, "physical_resource_id", _physical_resource_id)
