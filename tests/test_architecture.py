"""The package's shape: parts import only the parts below them, and no module imports itself
back through another (no cycles). A newcomer can trust the folder names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "scripts" / "spiegel"
# A part may use the parts listed for it, never the other way round. Layers, top to bottom:
# cli, web, serve -> services (the composition root) -> signups, outbox, site, check ->
# snapshot -> project (the one project loader) -> results, forms, db, security -> content,
# config, clock.
BOTTOM = {"content", "config", "clock", "mailsettings"}
ALLOWED: dict[str, set[str]] = {
    "content": set(),
    "clock": set(),
    "config": set(),
    "mailsettings": {"config"},
    "security": {"config", "clock"},
    "db": {"config", "clock"},
    "forms": {"content"},
    # the one project loader (content, forms and the published results, checked together)
    "project": {"content", "forms", "results"},
    "snapshot": {"content", "forms", "project"},
    "results": {"content", "forms"},
    "editor": {"content", "forms"},
    "signups": {"content", "forms", "results", "db", "security", "snapshot"} | BOTTOM,
    # the outbox renders what the sign-up service queued (cancel links, letters)
    # (the worker takes the process's Services: a type only, never built here)
    "outbox": {"content", "forms", "db", "security", "signups", "services"} | BOTTOM,
    "services": {"db", "security", "signups"} | BOTTOM,
    # the site's privacy statement lists the messages the outbox sends (outbox/kinds.py only)
    "site": {"content", "forms", "results", "project", "outbox"} | BOTTOM,
    # the check reads links on the pages the build generates, by the build's own rule
    "check": {"content", "forms", "results", "project", "site"} | BOTTOM,
    # cli/ is a package (one module per group of commands); its modules are all part "cli"
    "cli": {
        "content",
        "forms",
        "results",
        "site",
        "db",
        "security",
        "signups",
        "outbox",
        "snapshot",
        "check",
        "editor",
        "services",
    }
    | BOTTOM,
    "serve": {"web", "db", "outbox", "signups", "services"} | BOTTOM,
    "web": {"content", "forms", "db", "security", "signups", "outbox", "snapshot", "services"}
    | BOTTOM,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.startswith("spiegel"):
                    found.add(node.module)
                    found.update(
                        f"{node.module}.{a.name}"
                        for a in node.names
                        if (PACKAGE.parent / node.module.replace(".", "/") / a.name).exists()
                        or (
                            PACKAGE.parent / f"{node.module.replace('.', '/')}/{a.name}.py"
                        ).exists()
                    )
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("spiegel"))
        graph[name] = {m for m in found if m != name}
    return graph


def part(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def test_no_python_module_outside_the_package() -> None:
    root = PACKAGE.parent.parent
    loose = [
        p.relative_to(root).as_posix()
        for p in root.glob("*/**/*.py")
        if not p.is_relative_to(PACKAGE)
        and p.parts[len(root.parts)] not in ("tests", "benchmarks", ".venv", "build")
    ]
    assert loose == []  # MkDocs finds the plugin through the package's entry point


@pytest.mark.parametrize("module", sorted(imports()))
def test_parts_import_only_downwards(module: str) -> None:
    own = part(module)
    if not own:
        return
    for target in imports()[module]:
        other = part(target)
        if other and other != own:
            assert other in ALLOWED[own], f"{module} imports {target}: {own} may not use {other}"


def test_no_import_cycles() -> None:
    graph = imports()
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt] if nxt in stack else [node, nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


# The HTTP edge: the app's wiring and every module whose functions answer a request.
EDGE = [
    "app.py",
    "routes/forms.py",
    "routes/cancel.py",
    "routes/sessions.py",
    "body.py",
    "replies.py",
    "pages.py",
    "clients.py",
    "openapi.py",
    "asgi.py",
    "lambda_handler.py",
    "beheer/__init__.py",
    "beheer/core.py",
    "beheer/auth.py",
    "beheer/signups.py",
    "beheer/letter.py",
    "beheer/inbox.py",
    "beheer/privacy.py",
    "beheer/calls.py",
    "beheer/phone.py",
    "beheer/home.py",
]


# The composition root: the configuration's reader, the services, the clock, the keys.
ROOT = ["config.py", "services.py", "clock.py", "security/keys.py"]


@pytest.mark.parametrize("name", [f"web/{n}" for n in EDGE] + ROOT)
def test_http_edge_functions_stay_short(name: str) -> None:
    """No 200-line factory again: every function of the edge and of the configuration fits on
    a screen (80 lines)."""
    tree = ast.parse((PACKAGE / name).read_text())
    long = [
        f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > 80
    ]
    assert not long, f"{name}: {long}"


def test_only_the_configuration_reads_the_environment() -> None:
    """One reader: every SPIEGEL_* variable is read in config.py, nowhere else."""
    readers = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if any(
            word in path.read_text()
            for word in ("os.environ", "getenv", "from os import environ", "environ.get")
        )
    )
    assert readers == ["config.py"]
