"""The rehearsal fails, naming the stack and moto's reason, when a stack cannot be created.

It deploys testdata/broken, a one-stack assembly whose subnet lies outside its VPC, through
the real CDK CLI into a fresh moto server (about 10 s): make rehearse-test
"""

import io
import os
import re
import shutil
import unittest
from contextlib import redirect_stdout

from .__main__ import main

BROKEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata", "broken")


class BrokenTemplateTest(unittest.TestCase):
    def test_a_stack_that_fails_to_create_fails_the_rehearsal_with_its_reason(self):
        out = io.StringIO()
        with redirect_stdout(out):
            code = main(["broken", "--assembly", BROKEN])
        text = out.getvalue()
        self.addCleanup(_remove_kept, text)
        self.assertEqual(code, 1, text)
        self.assertIn("rehearsal broken: FAILED: stack broken-Network (broken/Network) was not created", text)
        self.assertIn("InvalidSubnet.Range: The CIDR '192.168.0.0/24' is invalid.", text)

    def test_an_unknown_environment_is_an_error(self):
        out = io.StringIO()
        with redirect_stdout(out):
            code = main(["nosuchenv", "--assembly", BROKEN])
        self.addCleanup(_remove_kept, out.getvalue())
        self.assertEqual(code, 1)
        self.assertIn(
            "rehearsal nosuchenv: FAILED: the assembly has no stage 'nosuchenv' (stages: broken)", out.getvalue()
        )


def _remove_kept(text):
    """Removes the work directory a failed rehearsal keeps for a person to read."""
    kept = re.search(r"logs \(moto, cdk\) kept in (\S+)", text)
    if kept:
        shutil.rmtree(kept.group(1), ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
