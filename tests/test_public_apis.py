"""Other projects are used through their public APIs only (DESIGN.md, "Edges of the system"): no
module of ours touches a private name of the live path's libraries, and nothing changes how the
whole process runs (garbage collector, thread switch interval)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ("channels", "channels_redis", "daphne", "autobahn", "twisted")
SKIPPED = {".venv", ".git", "node_modules", "__pycache__", "staticfiles", "media"}


def project_modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if not SKIPPED & set(p.relative_to(ROOT).parts))


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def of_library(module: str) -> bool:
    return module.split(".")[0] in LIBRARIES


def private_uses(tree: ast.AST) -> list[str]:
    """Private names reached through one of LIBRARIES: `from daphne._x import y`,
    `from channels_redis.utils import _z`, `import autobahn.util as u; u._HAS_CLICK`, attribute
    chains on what they export (`WebSocketProtocol._send`), and, in a subclass of one of their
    classes, any `self._name` or `def _name` (the base class's internals). In a module that uses
    those libraries, `obj._name` on any other object counts too (a protocol or transport they
    handed over): Django's `_meta` is public API."""
    found, imported = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and of_library(node.module) and not node.level:
            if any(private(part) for part in node.module.split(".")):
                found.append(node.module)
            for alias in node.names:
                if private(alias.name):
                    found.append(f"{node.module}.{alias.name}")
                imported.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if of_library(alias.name):
                    if any(private(part) for part in alias.name.split(".")):
                        found.append(alias.name)
                    imported.add(alias.asname or alias.name.split(".")[0])
    if not imported:
        return found
    subclassed = set()  # attribute nodes inside subclasses of a library class
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name | ast.Attribute) and root(b) in imported for b in node.bases):
            for inner in ast.walk(node):
                if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef) and private(inner.name):
                    found.append(f"{node.name}.{inner.name}")
                if isinstance(inner, ast.Attribute) and private(inner.attr) and root(inner) in ("self", "cls"):
                    found.append(f"{node.name}: self.{inner.attr}")
                    subclassed.add(inner)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr) and node.attr != "_meta" and node not in subclassed:
            if root(node) not in ("self", "cls"):
                found.append(f"{root(node)}.{node.attr}")
    return found


def root(node: ast.AST) -> str:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def process_wide_calls(tree: ast.AST) -> list[str]:
    names = {"freeze", "disable", "set_threshold", "setswitchinterval"}
    return [f"{ast.unparse(node.func)}" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names
            and isinstance(node.func.value, ast.Name) and node.func.value.id in ("gc", "sys")]


@pytest.mark.parametrize("path", project_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_uses_a_private_name_of_the_live_path_libraries(path):
    assert private_uses(ast.parse(path.read_text(), str(path))) == []


def test_the_asgi_application_changes_nothing_process_wide():
    tree = ast.parse((ROOT / "contactcenter" / "asgi.py").read_text())
    assert process_wide_calls(tree) == []
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Assign | ast.AugAssign)
                and any(isinstance(t, ast.Attribute) for t in getattr(n, "targets", [getattr(n, "target", None)]))]


@pytest.mark.parametrize("path", ["contactcenter/asgi.py", "contactcenter/celery.py"])
def test_server_and_worker_processes_leave_the_garbage_collector_and_thread_switching_alone(path):
    assert process_wide_calls(ast.parse((ROOT / path).read_text())) == []


@pytest.mark.parametrize("source, found", [
    ("from daphne.ws_protocol import WebSocketProtocol\nWebSocketProtocol._x = 1", ["WebSocketProtocol._x"]),
    ("from autobahn import util\nutil._HAS_CLICK = False", ["util._HAS_CLICK"]),
    ("from channels_redis.utils import _consistent_hash", ["channels_redis.utils._consistent_hash"]),
    ("import twisted.internet.abstract as a\na.x._tempDataBuffer", ["a._tempDataBuffer"]),
    ("from channels.layers import get_channel_layer\nget_channel_layer().group_send", []),
    ("import redis\nredis._private", []),  # not a live-path library
    ("from channels_redis.pubsub import RedisPubSubLoopLayer as L\nclass S(L):\n def _do_receiving(self):\n"
     "  return self._pubsub", ["S._do_receiving", "S: self._pubsub"]),
    ("import daphne\ndef f(send):\n    return send.args[0]._perMessageCompress", ["send._perMessageCompress"]),
    ("from channels.generic.websocket import WebsocketConsumer\nclass C(WebsocketConsumer):\n"
     "    def connect(self):\n        self.x = 1", []),
])
def test_the_check_finds_private_names_reached_through_those_libraries(source, found):
    assert private_uses(ast.parse(source)) == found
