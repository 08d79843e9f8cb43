"""The files a fork's CI and commit hooks use: the GitHub workflow is linted (not run: GitHub's
runners are not this machine) and the pre-commit hook's command really checks the content."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ROOT

WORKFLOW = ROOT / ".github/workflows/site.yml"


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    binary = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert binary, "actionlint is missing: pip install -r requirements-dev.txt"
    # -shellcheck= : the same result whether or not shellcheck happens to be installed
    return subprocess.run([binary, "-shellcheck=", "-no-color", *map(str, paths)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_the_github_workflow_passes_actionlint():
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    broken = tmp_path / "site.yml"
    broken.write_text(WORKFLOW.read_text().replace("python-version:", "python-versio:", 1))
    result = actionlint(broken)
    assert result.returncode == 1 and "python-versio" in result.stdout


def test_the_workflow_runs_the_readme_test_command_and_a_strict_build():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    test_steps = " ".join(step.get("run", "") for step in workflow["jobs"]["test"]["steps"])
    assert "make test" in test_steps and "check --strict --format github" in test_steps
    assert "make test" in (ROOT / "README.md").read_text()
    deploy = workflow["jobs"]["deploy"]
    uses = [step.get("uses", "").split("@")[0] for step in deploy["steps"]]
    assert {"actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"} <= set(uses)
    assert any("--strict" in step.get("run", "") and "--csp-meta" in step.get("run", "")
               for step in deploy["steps"])


def test_the_deploy_gets_the_editor_with_python_alone_after_refusing_a_repository_that_carries_a_checkouts_files():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    [build] = [step["run"] for step in workflow["jobs"]["deploy"]["steps"] if "--csp-meta" in step.get("run", "")]
    lines = [line.strip() for line in build.splitlines()]
    assert lines[0] == "make untracked-only"
    assert lines.index(".venv/bin/python build.py fetch-admin") < next(
        n for n, line in enumerate(lines) if "build.py --strict" in line)
    deploy_runs = " ".join(step.get("run", "") for step in workflow["jobs"]["deploy"]["steps"])
    assert "npm" not in deploy_runs and "node" not in deploy_runs
    check = next(step["run"] for step in workflow["jobs"]["test"]["steps"] if "--format github" in step.get("run", ""))
    assert check.strip().splitlines()[0] == "make untracked-only"


def test_the_pre_commit_hook_checks_the_content():
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {"id", "name", "entry", "language"} <= hook.keys() and hook["language"] == "system"
    command = shlex.split(hook["entry"])
    assert command[:2] == [".venv/bin/python", "build.py"]
    result = subprocess.run([sys.executable, *command[1:]], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("OK:"), result.stderr


def test_a_test_that_drives_chromium_unmarked_is_stopped():
    """make test-fast leaves out the tests marked browser; one that is not marked and starts
    Chromium (or Lighthouse, which asks the same function) fails at once, naming the mark."""
    import pytest

    from browser import chromium_path
    with pytest.raises(RuntimeError, match=r"mark it @pytest.mark.browser"):
        chromium_path()


def test_the_two_test_commands_split_the_suite_between_them():
    """make test runs the fast group, then the rest; make test-fast the fast group alone."""
    makefile = (ROOT / "Makefile").read_text()
    fast = re.search(r"^FAST := (.+)$", makefile, re.M)[1]
    slow = re.search(r"^SLOW := (.+)$", makefile, re.M)[1]
    assert (fast, slow) == ("not browser and not long", "browser or long")
    test = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    fast_run = makefile.split("\ntest-fast:", 1)[1].split("\n\n", 1)[0]
    assert '-m "$(FAST)" tests' in test and '-m "$(SLOW)"' in test and '-m "$(FAST)" tests' in fast_run
    assert test.count("@echo \"== ") == 4   # a stage line before each group
