"""A real PostgreSQL server for the smoke run's tests: pgserver (a PyPI wheel that ships the
server's binaries, PostgreSQL 16, the dags project's dev group) started in a temporary
directory, with the source database's schema (config/sources/database.sql, the producers' own
dump) and the smoke's one-time set-up (config/sources/smoke_setup.sql) run through psql as
docs/operations.md says. A change log (a trigger on the served table) stands in for the WAL
that DMS reads."""

import os
import re
import subprocess

from tests.mwaa import REPO

SOURCES = os.path.join(REPO, "config", "sources")
PASSWORD = "smoke-test-password"
# What DMS would read from the WAL: every committed change to public.orders, in order.
CHANGE_LOG = """
CREATE TABLE public.test_change_log (seq bigserial PRIMARY KEY, op text, order_id bigint, row jsonb,
                                     at timestamptz DEFAULT clock_timestamp());
CREATE FUNCTION public.test_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO public.test_change_log (op, order_id, row) VALUES ('D', OLD.order_id, NULL);
    ELSE
        INSERT INTO public.test_change_log (op, order_id, row) VALUES (left(TG_OP, 1), NEW.order_id, to_jsonb(NEW));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER test_log_change AFTER INSERT OR UPDATE OR DELETE ON public.orders
    FOR EACH ROW EXECUTE FUNCTION public.test_log_change();
"""


class Server:
    """pgserver's server in directory, with the source schema and the smoke's set-up."""

    def __init__(self, directory):
        try:
            import pgserver
        except ImportError as e:
            raise RuntimeError(
                "pgserver is not installed: `make dag-test` installs the dags project's dev group (uv sync)"
            ) from e
        self.server = pgserver.get_server(str(directory), cleanup_mode="stop")
        self.socket_dir = re.search(r"host=([^&]+)", self.server.get_uri()).group(1)
        self.psql_bin = os.path.join(os.path.dirname(pgserver.__file__), "pginstall", "bin", "psql")
        self.run_sql(self._schema())
        self.run_file(os.path.join(SOURCES, "smoke_setup.sql"), smoke_password=PASSWORD)
        self.run_sql(CHANGE_LOG)

    def _schema(self):
        # pg_dump 17's \restrict lines and transaction_timeout are newer than this server's psql.
        with open(os.path.join(SOURCES, "database.sql"), encoding="utf-8") as f:
            return "".join(
                line for line in f if not line.startswith("\\") and not line.startswith("SET transaction_timeout")
            )

    def psql(self, *args, stdin=None):
        done = subprocess.run(
            [self.psql_bin, "-h", self.socket_dir, "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", *args],
            input=stdin,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"psql {args}: {done.stderr}")
        return done.stdout

    def run_sql(self, sql):
        return self.psql("-q", stdin=sql)

    def run_file(self, path, **variables):
        return self.psql("-q", *(f"-v{k}={v}" for k, v in variables.items()), "-f", path)

    def query(self, sql):
        """Rows of sql as the superuser, each a tuple of strings."""
        out = self.psql("-A", "-t", "-F", "\t", "-c", sql)
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def secret(self, user="platform_smoke", password=PASSWORD):
        """The canary secret's JSON, as RDS-style secrets hold it."""
        return {
            "engine": "postgres",
            "host": self.socket_dir,
            "port": 5432,
            "dbname": "postgres",
            "username": user,
            "password": password,
        }

    def stop(self):
        self.server.cleanup()
