"""Fixes for moto's gaps, one module per AWS service, each applied by an explicit call.

Every fix says which moto gap it fills, so that it can be deleted once moto fills it; each has
a focused test in rehearsal/test_fixes.py. They are written against MOTO_VERSION: apply_all
refuses any other, since a fix that patches another version's internals may silently do nothing
or break moto in new ways.
"""

import moto

from . import glue

MOTO_VERSION = "5.2.1"


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
    glue.apply()
