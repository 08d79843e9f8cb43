"""build.py as an editor runs it: exit codes, help with examples, the summary, the schemas."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import NOW, ROOT, copy_fixture
from engine.schema import json_schemas


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [[], ["check"], ["serve"], ["schemas"], ["archive"], ["bundle"],
                                     ["new"]])
def test_help_has_examples_in_the_readmes_words(command):
    """The README teaches `.venv/bin/python build.py` (and `make`): a bare `python` does not
    exist on a stock Debian, so no example may start with it."""
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout and ".venv/bin/python build.py" in result.stdout
    assert "python build.py" not in result.stdout.replace(".venv/bin/python build.py", "")
    assert ".venv/bin/python build.py" in (ROOT / "README.md").read_text("utf-8")


COMMON = {"--content": "/tmp/c", "--overrides": "/tmp/o", "--now": "2026-12-01", "--strict": None,
          "--quiet": None}
EVERY_COMMAND = ["build", "check", "serve", "archive", "bundle", "schemas", "new"]


def test_every_command_accepts_the_common_options_before_or_after_its_name():
    script = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
import build
given = {json.dumps([[k] + ([v] if v else []) for k, v in COMMON.items()])}
flat = [part for option in given for part in option]
results = {{}}
for command in {EVERY_COMMAND!r}:
    extra = ["/tmp/new", "--title", "T"] if command == "new" else []
    for where, argv in (("after", [command, *extra, *flat]), ("before", [*flat, command, *extra]),
                        ("verbose", [command, *extra, "--verbose"])):
        args = build.parse_args(argv)
        results[command + " " + where] = [args.command, str(args.content), str(args.overrides),
                                          args.now, args.strict, args.quiet, args.verbose]
print(json.dumps(results))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout)
    for command in EVERY_COMMAND:
        for where in ("after", "before"):
            assert results[f"{command} {where}"] == [command, "/tmp/c", "/tmp/o", "2026-12-01",
                                                     True, True, False], (command, where)
        assert results[f"{command} verbose"][0] == command
        assert results[f"{command} verbose"][3:] == [None, False, False, True]


def test_quiet_prints_only_errors(tmp_path):
    content = copy_fixture(tmp_path)
    out = tmp_path / "out"
    quiet = run("--quiet", "--content", str(content), "--out", str(out), "--now", NOW)
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    assert (out / "index.html").exists()
    checked = run("check", "--quiet", "--content", str(content), "--now", NOW)
    assert checked.returncode == 0 and checked.stdout == "" and checked.stderr == ""
    (content / "events/founding.yaml").write_text("title: x\n")
    failed = run("check", "--quiet", "--content", str(content), "--now", NOW)
    assert failed.returncode == 1 and failed.stdout == ""
    assert 'content/events/founding.yaml:1:1: missing required field "date"' in failed.stderr


def test_check_exits_0_when_valid_and_1_with_every_error(tmp_path):
    content = copy_fixture(tmp_path)
    ok = run("check", "--content", str(content), "--now", NOW)
    assert ok.returncode == 0, ok.stderr
    (content / "claims/round-size.yaml").write_text("statement: [\n")
    (content / "events/founding.yaml").write_text("title: x\n")
    bad = run("check", "--content", str(content), "--now", NOW)
    assert bad.returncode == 1
    lines = [line for line in bad.stderr.splitlines() if line.startswith("content/")]
    assert 'content/claims/round-size.yaml:1:12: this "[" is never closed: end the list on the same ' \
        'line with "]", entries separated by commas' in lines
    assert any(line.startswith('content/events/founding.yaml:1:1: missing required field "date"')
               for line in lines)
    assert "Traceback" not in bad.stderr


def test_build_prints_a_summary_and_strict_fails_on_warnings(tmp_path):
    content = copy_fixture(tmp_path)
    out = tmp_path / "out"
    result = run("build", "--content", str(content), "--out", str(out), "--now", NOW, "--strict")
    assert result.returncode == 0, result.stderr
    assert "Built " in result.stdout and "claim" in result.stdout and "Time: load" in result.stdout
    (content / "sources/unused.yaml").write_text(
        "title: x\noutlet: y\nkind: blog\nadded: 2026-11-01\nupdated: 2026-11-01\n")
    strict = run("--strict", "--content", str(content), "--out", str(out), "--now", NOW)
    assert strict.returncode == 1
    assert strict.stderr.splitlines()[-2:] == ["1 warning (treated as an error with --strict)",
                                               "1 problem: nothing was written."]
    assert run("--content", str(content), "--out", str(out), "--now", NOW).returncode == 0


def test_the_reference_date_comes_from_source_date_epoch(tmp_path):
    content = copy_fixture(tmp_path)
    out = tmp_path / "out"
    env = {"SOURCE_DATE_EPOCH": "1798761600", "PATH": "/usr/bin:/bin"}  # 2027-01-01 UTC
    subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(content), "--out",
                    str(out)], env=env, check=True, capture_output=True)
    assert (out / "events/embargoed/index.html").is_file()


def test_committed_json_schemas_match_the_models():
    for name, schema in json_schemas().items():
        committed = json.loads((ROOT / "schemas" / name).read_text())
        assert committed == schema, f"schemas/{name} is stale: run python build.py schemas"


def test_schemas_know_every_field_an_editor_may_write():
    claim = json_schemas()["claim.schema.json"]
    assert {"statement", "status", "claimant", "sources", "note", "history"} <= set(claim["properties"])
    assert "id" not in claim["required"] and "statement" in claim["required"]
    assert claim["additionalProperties"] is False


def test_check_can_annotate_pull_requests_in_github_actions_format(tmp_path):
    content = copy_fixture(tmp_path)
    claim = content / "claims/valuation.yaml"
    claim.write_text(claim.read_text().replace("source: wire", "source: wyre", 1))
    result = run("check", "--content", str(content), "--now", NOW, "--format", "github")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        '::error file=content/claims/valuation.yaml,line=6,col=13::unknown source "wyre" '
        '(did you mean "wire"?): no file content/sources/wyre.yaml')
    assert "content/claims/valuation.yaml:6:13:" in result.stderr   # people still read the usual lines


def test_github_annotations_escape_what_would_end_them_early():
    from engine.problems import WARNING, Problem
    problem = Problem("content/a,b:c.yaml", 3, 4, "100% wrong", WARNING)
    assert problem.github() == "::warning file=content/a%2Cb%3Ac.yaml,line=3,col=4::100%25 wrong"
    assert problem.github(as_error=True).startswith("::error ")
