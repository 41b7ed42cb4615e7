"""Fixes for moto's gaps, one module per AWS service, each applied by an explicit call.

Most fill gaps in moto's CloudFormation that would break or hollow out a CDK deployment of this
platform: each passes what the template says to moto's own API code, as CloudFormation does
with AWS's APIs, so the templates under test deploy unchanged and the rehearsal's checks read
the values back through the public APIs. Every fix says which moto gap it fills, so that it can
be deleted once moto fills it; each has a focused test in rehearsal/test_fixes.py. They are
written against MOTO_VERSION: apply_all refuses any other, since a fix that patches another
version's internals may silently do nothing or break moto in new ways.
"""

import moto

from . import cloudformation, ec2, glue, iam, kinesis, kms, logs, rds, s3

MOTO_VERSION = "5.2.1"
SERVICES = (cloudformation, ec2, glue, iam, kinesis, kms, logs, rds, s3)


class WrongMotoVersion(RuntimeError):
    """moto is not the version the fixes were written for."""


def check_version(version=None):
    """Raises WrongMotoVersion unless moto (or version) is MOTO_VERSION."""
    version = version or moto.__version__
    if version != MOTO_VERSION:
        raise WrongMotoVersion(
            f"moto {version} is installed, but rehearsal/fixes patch moto {MOTO_VERSION}: "
            f"install the locked version (make py-deps) or port the fixes and update MOTO_VERSION"
        )


def apply_all():
    """Checks moto's version, then applies every service's fixes to this process's moto."""
    check_version()
    for service in SERVICES:
        service.apply()
