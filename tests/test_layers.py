"""The engine's layers (issue 18): `.importlinter` declares them, `lint-imports` checks them, so a
cycle between the pipeline's stages cannot come back unnoticed."""
from __future__ import annotations

import ast
import re
import configparser
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

LINT = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]   # no cache in the checkout


def lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(LINT, cwd=where, capture_output=True, text=True, timeout=120)


def declared_layers() -> list[set[str]]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    lines = config["importlinter:contract:layers"]["layers"].splitlines()
    return [{name.strip() for name in line.split("|")} for line in lines
            if line.strip() and not line.strip().startswith("#")]


def test_the_engine_keeps_its_layers():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_an_import_against_the_layers_is_caught(tmp_path):
    shutil.copytree(ROOT / "engine", tmp_path / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path)
    model = tmp_path / "engine" / "model.py"
    model.write_text(model.read_text("utf-8") + "\nfrom . import render  # noqa: E402\n", "utf-8")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "engine.model -> engine.render" in done.stdout, done.stdout


def test_every_engine_module_has_a_layer():
    layered = [name for layer in declared_layers() for name in layer]
    modules = {path.stem for path in (ROOT / "engine").glob("*.py")} - {"__init__"}
    assert len(layered) == len(set(layered)), "a module is named in two layers"
    assert set(layered) == modules


def test_no_engine_import_hides_inside_a_function():
    """Imports inside functions hid the old cycles; an optional heavy dependency may still be
    imported late, but not an engine module."""
    hidden = []
    for path in sorted((ROOT / "engine").glob("*.py")):
        for function in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("engine")):
                    hidden.append(f"{path.name}:{node.lineno}")
    assert hidden == []


MOST_LINES = 400
LONGEST_FUNCTION = 60
# The functions longer than LONGEST_FUNCTION lines, each with the reason it is not split.
LONG_FUNCTIONS = {
    "smartquotes.py:process_inlines": "markdown-it's smartquotes rule, decision for decision, so "
                                      "it reads (and is tested) against the original",
    "yaml_positions.py:read": "the composer's one loop over the parser's events: a state machine "
                              "whose states are its local variables",
}


def test_every_engine_module_is_small_enough_to_read_in_one_sitting():
    long = {path.name: n for path in (ROOT / "engine").glob("*.py")
            if (n := len(path.read_text("utf-8").splitlines())) > MOST_LINES}
    assert long == {}


def test_no_function_is_longer_than_the_limit_without_a_stated_reason():
    found = set()
    for path in sorted((ROOT / "engine").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and node.end_lineno - node.lineno + 1 > LONGEST_FUNCTION:
                found.add(f"{path.name}:{node.name}")
    assert found == set(LONG_FUNCTIONS)


# --- no module-level mutable state (issue 18) ----------------------------------------------------
# What builds keep lives in the builder's memory (engine/memory.py), never in a module. A module
# may hold constants, and memos of pure functions (functools.cache and lru_cache, keyed by every
# input; a memo of a file by its inode, time and size). These module-level objects are not data:
NOT_STATE = {
    ("markdown", "MARKDOWN"): "a configured parser; each parse keeps its state in its own env",
    ("yaml_positions", "_SCALARS"): "PyYAML's converter of plain scalars, which keeps nothing",
    ("wayback", "_NOTHING"): "a sentinel",
}
MUTATING = ("append", "extend", "insert", "update", "add", "clear", "pop", "popitem", "setdefault",
            "remove", "discard", "move_to_end", "sort", "reverse")
CONSTANT_CALLS = {"frozenset", "tuple", "object", "compile", "re.compile", "Path", "dict", "set", "list",
                  "MappingProxyType", "namedtuple", "TypeVar", "_libc_malloc_trim", "datetime.date", "dt.date",
                  "field", "getLogger", "logging.getLogger", "ZoneInfo", "bytes", "getattr"}


def module_level_state(engine: Path) -> list[str]:
    """Module-level names that hold state: a container some engine code changes, an object
    made at import (not a constant, not in NOT_STATE), or a `global` statement."""
    sources = {path.stem: path.read_text("utf-8") for path in sorted(engine.glob("*.py"))}
    everything = "\n".join(sources.values())
    # every name the engine changes in place, in one pass: NAME.append(…), NAME[k] = …, del NAME[k],
    # and module.NAME.update(…) from another module
    verbs = "|".join(MUTATING)
    changes = {}
    for found in re.finditer(rf"(?<![\w.])(\w+)\s*(?:\.\s*(?:{verbs})\s*\(|\[[^\]\n]*\]\s*[-+|&]?=(?!=))"
                             rf"|\bdel\s+(\w+)\[|\.(\w+)\s*\.\s*(?:{verbs})\s*\(", everything):
        changes.setdefault(next(name for name in found.groups() if name), found.group(0).strip())
    found = []
    for module, text in sources.items():
        tree = ast.parse(text)
        found += [f"{module}: global {', '.join(node.names)}" for node in ast.walk(tree)
                  if isinstance(node, ast.Global)]
        for node in tree.body:
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in (t for t in targets if isinstance(t, ast.Name)):
                name = target.id
                if (module, name) in NOT_STATE or value is None:
                    continue
                if isinstance(value, ast.Call) and ast.unparse(value.func) not in CONSTANT_CALLS:
                    found.append(f"{module}.{name}: an object made at import ({ast.unparse(value.func)})")
                elif name in changes:
                    found.append(f"{module}.{name}: changed at {changes[name]!r}")
    return found


def test_no_engine_module_keeps_state():
    assert module_level_state(ROOT / "engine") == []


def module_snapshot() -> dict[str, str]:
    """Every engine module's module-level values that can hold data, as text."""
    import importlib
    import pkgutil

    import engine
    found = {}
    for info in pkgutil.iter_modules(engine.__path__):
        module = importlib.import_module(f"engine.{info.name}")
        for name, value in vars(module).items():
            if not name.startswith("__") and isinstance(value, (dict, list, set, bytearray, int, str, tuple)):
                found[f"{info.name}.{name}"] = repr(value)
    return found


def test_builds_leave_every_engine_module_as_they_found_it(tmp_path):
    """What the source check cannot see (a container changed through another name, a name a
    module gains at run time): a command-line build and a dev server's edit change nothing
    held at module level."""
    from conftest import DevBuild, NOW, build, copy_fixture, paths_for
    before = module_snapshot()
    content = copy_fixture(tmp_path)
    assert build(content, tmp_path / "built").ok
    dev = DevBuild(paths_for(content), tmp_path / "dev", NOW)
    assert dev.update().ok
    claim = content / "claims" / "valuation.yaml"
    claim.write_text(claim.read_text("utf-8").replace("about $50m", "about $60m"), "utf-8")
    assert dev.update().ok and dev.last.pages > 0
    after = module_snapshot()
    assert {name: value for name, value in after.items() if before.get(name) != value} == {}


def test_module_level_state_is_found(tmp_path):
    engine = tmp_path / "engine"
    engine.mkdir()
    (engine / "a.py").write_text("SEEN = {}\nLIMITS = {'x': 1}\n\ndef f(k):\n    SEEN[k] = 1\n    return LIMITS[k]\n")
    (engine / "b.py").write_text("from .c import Cache\nCACHE = Cache()\nUSED: set = set()\n\ndef g(k):\n"
                                 "    USED.add(k)\n")
    (engine / "c.py").write_text("COUNT = 0\n\ndef h():\n    global COUNT\n    COUNT += 1\n")
    assert module_level_state(engine) == [
        "a.SEEN: changed at 'SEEN[k] ='", "b.CACHE: an object made at import (Cache)",
        "b.USED: changed at 'USED.add('", "c: global COUNT"]
