"""The emulator's server never outlives a rehearsal, even one interrupted while it starts."""

import os
import tempfile
import unittest

from rehearsal.emulator import Server


class ServerLifecycleTest(unittest.TestCase):
    def test_stopped_when_it_does_not_listen_in_time(self):
        with tempfile.TemporaryDirectory() as tmp:
            server = Server(os.path.join(tmp, "moto.log"), timeout=0)
            with self.assertRaisesRegex(RuntimeError, "did not listen"):
                server.__enter__()
            self.assertIsNotNone(server.proc.poll(), "the server process must be gone")

    def test_stopped_when_interrupted_while_starting(self):
        with tempfile.TemporaryDirectory() as tmp:
            server = Server(os.path.join(tmp, "moto.log"))
            server._wait_until_listening = lambda: (_ for _ in ()).throw(KeyboardInterrupt())
            with self.assertRaises(KeyboardInterrupt):
                server.__enter__()
            self.assertIsNotNone(server.proc.poll(), "the server process must be gone")

    def test_serves_until_exit(self):
        with tempfile.TemporaryDirectory() as tmp:
            with Server(os.path.join(tmp, "moto.log")) as server:
                self.assertIsNone(server.proc.poll())
            self.assertIsNotNone(server.proc.poll())


if __name__ == "__main__":
    unittest.main()
