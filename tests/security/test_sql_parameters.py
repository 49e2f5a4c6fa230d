"""SQL is built only from bound parameters: no SQL string in observability/ is formatted from values.

An AST scan of every module: the statement given to `text()`, `execute()`, `exec_driver_sql()`,
`executemany()` or `executescript()` may not be an f-string with placeholders, `%`-formatting,
`.format()` or a concatenation with non-constant parts, directly or through a local name. The
few places that interpolate identifiers from code constants are listed in ALLOWED with why.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "observability"
SQL_CALLS = {"text", "execute", "exec_driver_sql", "executemany", "executescript"}
# (module path under observability/, enclosing function): why the formatting there is safe.
ALLOWED: dict[tuple[str, str], str] = {
    # Status literals from the module's own constants, in partial-index predicates (DDL).
    ("store/models.py", "<module>"): "OPEN_INCIDENT_WHERE: the RESOLVED constant",
    ("store/escalation_models.py", "<module>"): "PENDING_*_WHERE: the STEP_/OUTBOX_PENDING constants",
    # An integer constant in a PRAGMA, which takes no bound parameters.
    ("store/engine.py", "_sqlite_pragmas"): "SQLITE_BUSY_TIMEOUT_MS, a code constant",
    # The one-statement ingest on PostgreSQL: column names come from the SQLAlchemy tables and the
    # writes' own keys (set by the ingest code, never by a client); every value is a %s parameter.
    ("ingest/postgres_statements.py", "read_latest"): "column names from INCIDENT_COLUMNS",
    ("ingest/postgres_statements.py", "apply"): "column names from the tables; values are %s",
    # DDL: index names and expressions from the migration's own TRIGRAM_INDEXES constant.
    ("store/migrations/versions/0006_sessions.py", "upgrade"): "TRIGRAM_INDEXES, a code constant",
    ("store/migrations/versions/0006_sessions.py", "downgrade"): "TRIGRAM_INDEXES, a code constant",
}


@dataclass(frozen=True)
class Finding:
    module: str
    function: str
    line: int
    why: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} in {self.function}: {self.why}"


def formatting(node: ast.AST) -> str | None:
    """Why `node` builds a string from values at run time, or None when it does not."""
    if isinstance(node, ast.JoinedStr) and any(isinstance(part, ast.FormattedValue) for part in node.values):
        return "an f-string with placeholders"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _is_str(node.left):
        return "%-formatting"
    concatenation = isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)
    if concatenation and not _constant(node) and _is_str(node):
        return "a concatenation with non-constant parts"
    method = node.func.attr if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None
    if method == "format":
        return "str.format()"
    if method == "join" and isinstance(node, ast.Call) and not all(_constant(arg) for arg in node.args):
        return "str.join() of values"
    return None


def _is_str(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.BinOp) and (_is_str(node.left) or _is_str(node.right))


def _constant(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(part, ast.Constant) for part in node.values)
    return isinstance(node, ast.BinOp) and _constant(node.left) and _constant(node.right)


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


class Scanner(ast.NodeVisitor):
    """Findings of one module: SQL calls whose statement is formatted, here or via a local name."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.findings: list[Finding] = []
        self.scopes: list[tuple[str, dict[str, str]]] = [("<module>", {})]
        self.builders: dict[str, str] = {}  # functions that return formatted strings

    def visit_Module(self, node: ast.Module) -> None:
        for function in node.body:
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for returned in ast.walk(function):
                    why = isinstance(returned, ast.Return) and returned.value and formatting(returned.value)
                    if why:
                        self.builders[function.name] = f"built by {function.name}() from {why}"
        self.generic_visit(node)

    def dynamic(self, node: ast.AST) -> str | None:
        """Why `node` is a string formatted at run time, here, via a local name or a builder."""
        why = formatting(node)
        if why is None and isinstance(node, ast.Name):
            why = next((scope[node.id] for _, scope in reversed(self.scopes) if node.id in scope), None)
            why = why and f"{node.id} is {why}"
        if why is None and isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            why = self.builders.get(node.func.id)
        return why

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append((node.name, {}))
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = _scoped
    visit_AsyncFunctionDef = _scoped

    def visit_Assign(self, node: ast.Assign) -> None:
        why = self.dynamic(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name) and why:
                self.scopes[-1][1][target.id] = why
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if _call_name(node) in SQL_CALLS and node.args:
            why = self.dynamic(node.args[0])
            if why is not None:
                function = self.scopes[-1][0]
                self.findings.append(
                    Finding(self.module, function, node.lineno, f"{_call_name(node)}() given {why}")
                )
        self.generic_visit(node)


def scan(source: str, module: str) -> list[Finding]:
    scanner = Scanner(module)
    scanner.visit(ast.parse(source))
    return scanner.findings


def package_findings() -> list[Finding]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += scan(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    return found


def test_no_sql_statement_in_the_package_is_formatted_from_values() -> None:
    unexpected = [str(f) for f in package_findings() if (f.module, f.function) not in ALLOWED]
    assert unexpected == []


def test_the_allowlist_names_only_places_that_still_format_sql() -> None:
    used = {(f.module, f.function) for f in package_findings()}
    assert set(ALLOWED) <= used


def test_the_scan_catches_each_way_of_formatting_sql() -> None:
    source = """
def f(session, name, engine):
    session.execute(text(f"SELECT * FROM t WHERE name = '{name}'"))
    session.execute(text("SELECT * FROM t WHERE name = '%s'" % name))
    session.execute(text("SELECT * FROM t WHERE name = '{}'".format(name)))
    engine.exec_driver_sql("DELETE FROM t WHERE name = '" + name + "'")
    statement = "SELECT " + name
    session.execute(text(statement))
    session.execute(text("SELECT * FROM t WHERE name = :name"), {"name": name})
    session.execute(text("SELECT 1 " "FROM t"))
    session.execute(text(where(name)))


def where(name):
    return f"name = '{name}'"
"""
    lines = [finding.line for finding in scan(source, "example.py")]
    assert lines == [3, 4, 5, 6, 8, 11]
