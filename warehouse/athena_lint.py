"""Lints the SQL dbt compiled for an Athena target in Athena's dialect (engine v3, Trino), to
catch here what only Athena would refuse. SQL compiled for the local target proves nothing for
Athena: the cross-database macros dispatch per adapter.

    dbt compile --target staging   # against moto's Glue (make warehouse-test)
    python athena_lint.py target/compiled

Each statement must:
- parse in sqlfluff's athena dialect, with no unparsable section;
- use no DuckDB or Postgres syntax that sqlglot reads leniently: a `::` cast, ILIKE, a struct
  literal in braces, UNNEST outside FROM or JOIN;
- call only functions that sqlglot's Athena dialect knows, or ones listed in ATHENA_FUNCTIONS
  (each a function of Athena engine v3 that sqlglot parses as an unknown one).
"""

import pathlib
import sys

import sqlfluff
import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

# Trino functions Athena engine v3 has that sqlglot does not model (it parses them as
# anonymous calls): added one by one, each checked against Athena's function list.
ATHENA_FUNCTIONS = {"map_values"}


def problems(sql):
    """What Athena would refuse in sql (one or more statements), as messages."""
    found = [
        f"not Athena SQL: {v['description']}"
        for v in sqlfluff.lint(sql, dialect="athena", rules=["LT01"])
        if v["code"] == "PRS"
    ]
    if found:
        return found
    for token in sqlglot.tokenize(sql, read="athena"):
        if token.token_type == TokenType.DCOLON:
            found.append(f"line {token.line}: a :: cast; Athena casts with cast(x as type)")
        if token.token_type == TokenType.ILIKE:
            found.append(f"line {token.line}: ILIKE; Athena has no ILIKE: lower(x) like ...")
    for statement in sqlglot.parse(sql, read="athena"):
        if statement is None:
            continue
        for node in statement.find_all(exp.Struct):
            found.append(f"a struct literal {node.sql()[:40]}; Athena builds rows with cast(row(...) as row(...))")
        for node in statement.find_all(exp.Unnest):
            if not isinstance(node.parent, (exp.From, exp.Join)):
                found.append(f"UNNEST outside FROM or JOIN ({node.sql()[:40]}); Athena unnests only in the from-clause")
        for node in statement.find_all(exp.Anonymous):
            if node.name.lower() not in ATHENA_FUNCTIONS:
                found.append(f"function {node.name}(): not one Athena is known to have (ATHENA_FUNCTIONS)")
    return found


def lint(compiled):
    """{file: problems} of every .sql under compiled, for the files with any."""
    out = {}
    for path in sorted(pathlib.Path(compiled).rglob("*.sql")):
        found = problems(path.read_text())
        if found:
            out[str(path)] = found
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: athena_lint.py <dbt's compiled directory>", file=sys.stderr)
        return 2
    files = list(pathlib.Path(argv[0]).rglob("*.sql"))
    if not files:
        print(
            f"athena_lint: no compiled SQL under {argv[0]}: run dbt compile with an Athena target first",
            file=sys.stderr,
        )
        return 2
    found = lint(argv[0])
    for path, messages in found.items():
        for message in messages:
            print(f"{path}: {message}", file=sys.stderr)
    print(f"athena_lint: {len(files)} statements, {len(found)} with problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
