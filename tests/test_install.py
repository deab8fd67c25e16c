"""The install is the lock: every third-party distribution the code imports is pinned in
requirements.lock (the application) or requirements-dev.lock (tests and optional tools) at the
version that is installed, and the locks agree with pyproject.toml's ranges."""

import ast
import functools
import importlib
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
APPLICATION = ("contactcenter", "workspace", "supervision", "permissions")
FIRST_PARTY = {*APPLICATION, "tests", "manage"}
LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


def locked(path: Path) -> dict[str, str]:
    """{canonical distribution name: pinned version} of a pip-compile lock."""
    return {canonicalize_name(name): version for name, version in PIN.findall(path.read_text())}


class Imports(ast.NodeVisitor):
    """Top-level names imported by a module, and whether the import is optional (inside a try
    that catches ImportError: the code runs without it)."""

    def __init__(self, where: str):
        self.where = where
        self.optional_depth = 0
        self.found: list[tuple[str, bool, str]] = []

    def visit_Try(self, node: ast.Try):
        caught = {ast.unparse(handler.type) for handler in node.handlers if handler.type is not None}
        optional = bool(caught & {"ImportError", "ModuleNotFoundError", "(ImportError, ModuleNotFoundError)"})
        self.optional_depth += optional
        for statement in node.body:
            self.visit(statement)
        self.optional_depth -= optional
        for part in (*node.handlers, *node.orelse, *node.finalbody):
            self.visit(part)

    def visit_Import(self, node: ast.Import):
        for alias in node.names:
            self.add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom):
        if node.level == 0 and node.module:
            self.add(node.module, node)

    def add(self, module: str, node: ast.stmt):
        self.found.append((module.partition(".")[0], self.optional_depth > 0, f"{self.where}:{node.lineno}"))


@functools.cache
def third_party_imports(folders: tuple[str, ...]) -> dict[str, dict]:
    """{top-level name: {"required": imported unconditionally somewhere, "where": first place}}."""
    names: dict[str, dict] = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            visitor = Imports(str(path.relative_to(ROOT)))
            visitor.visit(ast.parse(path.read_text(), filename=str(path)))
            for name, optional, where in visitor.found:
                if name in sys.stdlib_module_names or name in FIRST_PARTY:
                    continue
                entry = names.setdefault(name, {"required": False, "where": where})
                entry["required"] |= not optional
    return names


@functools.cache
def providers() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def distributions_of(names) -> dict[str, set[str]]:
    """{canonical distribution: the top-level names it provides that the code imports}."""
    found: dict[str, set[str]] = {}
    for name in names:
        for distribution in providers().get(name, []):
            found.setdefault(canonicalize_name(distribution), set()).add(name)
    return found


def not_pinned_at_installed_version(names, lock: dict[str, str]) -> list[str]:
    problems = []
    for distribution, modules in sorted(distributions_of(names).items()):
        installed = metadata.version(distribution)
        if lock.get(distribution) != installed:
            problems.append(f"{distribution} {installed} (imported as {', '.join(sorted(modules))}): "
                            f"the lock has {lock.get(distribution, 'nothing')}")
    return problems


def test_every_third_party_package_the_code_imports_is_installed_and_imports():
    names = third_party_imports((*APPLICATION, "tests"))
    assert {"django", "channels", "celery", "pytest"} <= names.keys()  # the scan sees the imports
    failures = []
    for name, entry in sorted(names.items()):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            failures.append(f"{name} (first imported at {entry['where']}): {exc}")
    assert failures == []


def test_the_application_imports_only_distributions_pinned_in_requirements_lock():
    """What production installs (requirements.lock) holds everything the application needs."""
    required = [name for name, entry in third_party_imports(APPLICATION).items() if entry["required"]]
    assert "django" in required
    assert not_pinned_at_installed_version(required, locked(LOCK)) == []


def test_the_tests_and_optional_imports_are_pinned_in_requirements_dev_lock():
    names = third_party_imports((*APPLICATION, "tests"))
    assert {"pytest", "time_machine"} <= names.keys()
    assert not_pinned_at_installed_version(names, locked(DEV_LOCK)) == []


def test_every_locked_distribution_is_installed_at_its_locked_version():
    """The venv is the dev lock (make venv reinstalls it when the lock changes)."""
    stale = []
    for distribution, version in sorted(locked(DEV_LOCK).items()):
        try:
            installed = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            stale.append(f"{distribution}: locked {version}, installed {installed}")
    assert stale == []


def test_the_dev_lock_keeps_every_production_pin():
    production, development = locked(LOCK), locked(DEV_LOCK)
    assert len(production) > 20
    assert {name: (version, development.get(name)) for name, version in production.items()
            if development.get(name) != version} == {}


def test_every_pin_in_the_locks_carries_sha256_hashes():
    for path in (LOCK, DEV_LOCK):
        entries = re.split(r"\n(?=[A-Za-z0-9])", path.read_text().split("\n", 1)[1])
        pins = [entry for entry in entries if PIN.match(entry)]
        assert pins and [entry.split()[0] for entry in pins if "--hash=sha256:" not in entry] == []


def declared_requirements() -> list[Requirement]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = pyproject["project"]
    return [Requirement(text) for text in (*project["dependencies"],
                                           *sum(project["optional-dependencies"].values(), []),
                                           *pyproject["build-system"]["requires"])]


def test_every_dependency_in_pyproject_is_bounded_below_its_next_major_and_locked_within_its_range():
    lock = locked(DEV_LOCK)
    problems = []
    for requirement in declared_requirements():
        name = canonicalize_name(requirement.name)
        if name not in lock:
            problems.append(f"{requirement}: not in the lock (run make lock)")
            continue
        version = Version(lock[name])
        next_major = Version(f"{version.major + 1}")
        uppers = [Version(spec.version) for spec in requirement.specifier if spec.operator in {"<", "<=", "=="}]
        if not uppers or min(uppers) > next_major:
            problems.append(f"{requirement}: no upper bound at or below {next_major}")
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement}: the lock has {version}, outside the range (run make lock)")
    assert problems == []
