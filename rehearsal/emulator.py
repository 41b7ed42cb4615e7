"""A moto server of its own for one rehearsal, always stopped when the rehearsal ends."""

import os
import re
import signal
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """Runs `python3 -m rehearsal.motoserver` (moto.server plus fixes) on a free loopback port.

    Use it as a context manager: the server stops on exit, on an exception and on Ctrl-C.
    """

    def __init__(self, log_path, account=None, timeout=60, python=None, env=None):
        self.log_path = log_path
        # The interpreter with the rehearsal's locked moto (the DAG tests run in another
        # environment and pass rehearsal/.venv's), and extra environment variables for moto.
        self.python = python or sys.executable
        self.env = env or {}
        # The account moto serves (MOTO_ACCOUNT_ID): the deployed environment's, so the
        # assembly deploys as synthesized. moto's default is 123456789012.
        self.account = account
        self.timeout = timeout
        self.port = None
        self.proc = None

    @property
    def endpoint(self):
        # It must say localhost: with 127.0.0.1 moto cannot resolve the template's S3 URL.
        return f"http://localhost:{self.port}"

    def __enter__(self):
        self.port = free_port()
        with open(self.log_path, "w") as log:
            # Its own session: Ctrl-C reaches the rehearsal, which then stops the server.
            env = dict(os.environ, **self.env)
            if self.account:
                env["MOTO_ACCOUNT_ID"] = self.account
            self.proc = subprocess.Popen(
                [self.python, "-m", "rehearsal.motoserver", "-H", "127.0.0.1", "-p", str(self.port)],
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
            )
        # __exit__ runs only once __enter__ returned: stop the server on any way out of here,
        # Ctrl-C and SIGTERM included, or it would outlive the rehearsal in its own session.
        try:
            self._wait_until_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_listening(self):
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                # Its last words say why (such as a moto the fixes were not written for).
                last = (self.log().strip().splitlines() or [""])[-1]
                raise RuntimeError(f"moto server exited with {self.proc.returncode}: {last}; see {self.log_path}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"moto server did not listen on port {self.port} within {self.timeout}s")

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()


def unsupported_types(log):
    """The resource types moto's CloudFormation skipped (it creates nothing for them)."""
    return set(re.findall(r"No Moto CloudFormation support for (\S+)", log))


def errors(log):
    """The last line of every traceback in the log: moto's internal errors."""
    found = []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            j = i + 1
            while j < len(lines) and (
                lines[j].startswith(" ") or lines[j].startswith("During") or not lines[j].strip()
            ):
                j += 1
            if j < len(lines) and lines[j] not in found:
                found.append(lines[j])
    return found
