"""The layering of the README's Architecture section, checked on the import graph (grimp reads
every import statement, those inside functions too).

screens (workspace, supervision, permissions' pages, admin, views) and adapters (connectors,
tasks) → permissions.access → services → selectors → events → models (services may read through
selectors; selectors never write, so they never import services).
"""

import ast
from pathlib import Path

import grimp
import pytest
from celery import current_app

from contactcenter.services import jobs

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("contactcenter", "workspace", "supervision", "permissions")
MAX_LINES = 450
MAX_LOCAL_IMPORTS = 20


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)


def project_modules(graph) -> set[str]:
    return {m for m in graph.modules if ".migrations" not in m}


def source_files() -> list[Path]:
    return [p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


# (importer, imported): no module of the first may import a module of the second.
FORBIDDEN = [
    *[("contactcenter.models", other) for other in (
        "contactcenter.services", "contactcenter.selectors", "contactcenter.connectors", "contactcenter.tasks",
        "contactcenter.events", "permissions", "workspace", "supervision")],
    *[("contactcenter.services", other) for other in (
        "contactcenter.connectors", "contactcenter.tasks", "contactcenter.sockets", "contactcenter.views",
        "contactcenter.admin", "permissions", "workspace", "supervision")],
    *[("contactcenter.selectors", other) for other in (
        "contactcenter.services", "contactcenter.connectors", "contactcenter.tasks", "permissions", "workspace",
        "supervision")],
    *[("contactcenter.events", other) for other in (
        "contactcenter.services", "contactcenter.selectors", "contactcenter.connectors", "contactcenter.tasks")],
    *[("contactcenter.connectors", other) for other in (
        "contactcenter.tasks", "contactcenter.admin", "permissions", "workspace", "supervision")],
    *[("permissions.access", other) for other in ("contactcenter.connectors", "workspace", "supervision")],
    ("workspace", "supervision"),
    ("supervision", "workspace"),
    ("workspace", "contactcenter.connectors"),
    ("supervision", "contactcenter.connectors"),
]


def test_no_module_imports_against_the_layers(graph):
    modules = project_modules(graph)
    wrong = []
    for importer_package, imported_package in FORBIDDEN:
        for importer in (m for m in modules if in_package(m, importer_package)):
            for imported in graph.find_modules_directly_imported_by(importer):
                if in_package(imported, imported_package):
                    wrong.append(f"{importer} imports {imported}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycle_among_the_project_modules(graph):
    modules = project_modules(graph)
    cycles = []
    for module in sorted(modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported in modules and imported != module:
                back = graph.find_shortest_chain(importer=imported, imported=module)
                if back:
                    cycles.append(" -> ".join([module, *back]))
    assert not cycles, "\n".join(sorted(set(cycles))[:20])


def function_local_imports() -> list[tuple[Path, int, bool]]:
    """(file, line, commented) for every import inside a function."""
    found = []
    for path in source_files():
        lines = path.read_text().splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    line = lines[node.lineno - 1]
                    above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
                    found.append((path, node.lineno, "#" in line or above.startswith("#")))
    return found


def test_function_local_imports_are_few_and_each_says_why():
    found = function_local_imports()
    silent = [f"{path.relative_to(ROOT)}:{line}" for path, line, commented in found if not commented]
    assert not silent, "a function-local import needs a comment saying why:\n" + "\n".join(silent)
    assert len(found) <= MAX_LOCAL_IMPORTS, [f"{p.relative_to(ROOT)}:{n}" for p, n, _ in found]


def project_module_aliases(tree: ast.AST) -> dict[str, str]:
    """Names bound to a module of the project in this file (`from contactcenter.services import
    routing`, `import contactcenter.events as events`)."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES and alias.asname:
                    aliases[alias.asname] = alias.name
    return aliases


def test_no_private_name_is_used_across_modules(graph):
    modules = project_modules(graph)
    wrong = []
    for path in source_files():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
                # A package's private submodule is its own (management/commands/_bench_work.py).
                own = module_name(path).rsplit(".", 1)[0] == node.module
                wrong += [f"{path.relative_to(ROOT)}:{node.lineno} imports {a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")
                          and not (own and f"{node.module}.{a.name}" in modules)]
        aliases = {name: target for name, target in project_module_aliases(tree).items() if target in modules}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert not wrong, "\n".join(wrong)


def test_no_module_is_longer_than_the_limit():
    long = [f"{path.relative_to(ROOT)}: {n} lines" for path in source_files()
            if "management" not in path.parts and (n := len(path.read_text().splitlines())) > MAX_LINES]
    assert not long, "\n".join(long)


def test_every_task_the_services_enqueue_by_name_is_registered():
    names = [value for key, value in vars(jobs).items() if key.isupper() and isinstance(value, str)]
    assert names
    assert all(name in current_app.tasks for name in names), names
