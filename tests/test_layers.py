"""The engine's layers (issue 18): `.importlinter` declares them, `lint-imports` checks them, so a
cycle between the pipeline's stages cannot come back unnoticed."""
from __future__ import annotations

import ast
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
    "funding_chart.py:funding_chart": "not split yet: rounds, lanes, axes and labels in one pass "
                                      "(issue 18)",
    "network_chart.py:network": "not split yet: groups, rows and labels in one pass (issue 18)",
    "incremental.py:_rerender": "not split yet: the dev server's choice of what to re-render "
                                "(issue 18)",
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
