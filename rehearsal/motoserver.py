"""moto's server with the rehearsal's fixes (rehearsal/fixes), for the rehearsal and the DAG tests.

Run as `python3 -m rehearsal.motoserver -H 127.0.0.1 -p PORT`; the arguments are moto.server's.
On a moto the fixes were not written for it exits with the reason instead of serving.
"""

import os
import sys

from moto.server import main

from rehearsal import fixes

if __name__ == "__main__":
    # Attaching AWS managed policies (a role's ManagedPolicyArns, the CDK bootstrap's
    # ReadOnlyAccess) needs moto to know them; it skips loading them unless asked.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    try:
        fixes.apply_all()
    except fixes.WrongMotoVersion as e:
        sys.exit(f"rehearsal.motoserver: {e}")
    main()
