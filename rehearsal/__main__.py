"""Deploy rehearsal: deploy environments into a local AWS emulator (moto) with the real CDK CLI,
verify what their templates promise through the AWS APIs, destroy them and check what is left.

    python3 -m rehearsal develop                     # one environment of cdk.out (make synth)
    python3 -m rehearsal develop staging production  # one after the other, a fresh moto each
See docs/rehearsal.md.
"""

import argparse
import signal
import sys

from .run import Rehearsal


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m rehearsal", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "envs", nargs="+", help="environments to rehearse, one after the other, each on a fresh moto server"
    )
    parser.add_argument(
        "--assembly",
        default="cdk.out",
        help="the cloud assembly to deploy (default %(default)s, what make synth writes)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory (assembly, moto and cdk logs)")
    args = parser.parse_args(argv)
    # A kill (SIGTERM) unwinds like Ctrl-C, so the moto server is stopped either way.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    code = 0
    for env in args.envs:
        code = Rehearsal(env, args.assembly, args.keep, out=lambda line: print(line, flush=True)).run() or code
        if code == 130:
            break
    return code


if __name__ == "__main__":
    sys.exit(main())
