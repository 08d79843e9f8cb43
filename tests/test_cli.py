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
                                     ["new"], ["fetch-admin"]])
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
# every command that reads the content (schemas, new and fetch-admin refuse what they would ignore)
EVERY_COMMAND = ["build", "check", "serve", "archive", "bundle"]


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


@pytest.mark.parametrize("argv, message", [
    (["schemas", "--now", "2026-01-01"], "build.py schemas: --now would change nothing here: the "
     "schemas come from the engine, not from the content. Leave it out."),
    (["--content", "/tmp/c", "schemas", "--strict"], "build.py schemas: --content and --strict would "
     "change nothing here: the schemas come from the engine, not from the content. Leave them out."),
    (["new", "/tmp/n", "--title", "T", "--overrides", "/tmp/o"], "build.py new: --overrides would "
     "change nothing here: a new investigation is written to the PATH given, from the engine's "
     "examples. Leave it out."),
    (["fetch-admin", "--strict"], "build.py fetch-admin: --strict would change nothing here: it "
     "only reads site.yaml's admin setting. Leave it out."),
    (["--quiet", "check", "--verbose"], "build.py check: --quiet and --verbose cannot be used "
     "together: keep the one you mean."),
    (["serve", "--verbose", "--quiet"], None),   # argparse's own: both after the name
])
def test_an_option_a_command_would_ignore_is_refused_in_one_line(argv, message):
    result = run(*argv)
    assert result.returncode == 2
    if message:
        assert result.stderr == message + "\n"
    else:
        assert "not allowed with argument" in result.stderr


def test_serve_strict_stops_the_preview_on_a_warning_as_ci_would(tmp_path):
    from conftest import paths_for
    from conftest import DevBuild
    content = copy_fixture(tmp_path)
    uncited = "title: x\noutlet: y\nkind: blog\nadded: 2026-11-01\nupdated: 2026-11-01\n"
    dev = DevBuild(paths_for(content), tmp_path / "dev", NOW, strict=True)
    assert dev.full().ok
    # an edit that brings a warning (a source nothing cites), through the dev server's update
    (content / "sources" / "unused.yaml").write_text(uncited, "utf-8")
    failures = [str(p) for p in dev.update().failures]
    assert failures == ["content/sources/unused.yaml:1:1: warning: nothing cites this source: cite it from "
                        "a claim, an event or a page, or remove it"]
    relaxed = DevBuild(paths_for(content), tmp_path / "relaxed", NOW).full()
    assert relaxed.ok and [str(p) for p in relaxed.problems.warnings] == failures
    assert [str(p) for p in DevBuild(paths_for(content), tmp_path / "strict", NOW,
                                     strict=True).full().failures] == failures
    # the same through an edit of a file the build already has (re-validated on its own)
    (content / "sources" / "unused.yaml").unlink()
    assert dev.update().ok
    event = content / "events" / "round-a.yaml"
    event.write_text(event.read_text("utf-8").replace("  - source: weekly-copy\n  - source: wire\n",
                                                      "  - source: weekly-copy\n"), "utf-8")
    assert [str(p) for p in dev.update().failures] == [
        "content/events/round-a.yaml:19:15: warning: \"wire\" gives an account but is not among this "
        "event's sources: add `- source: wire` under sources:"]
    assert not dev.last.full


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


STAGES = [r"load: \d+ ms", r"validate: \d+ items valid \(\d+ ms\)", r"model: \d+ pages \(\d+ ms\)",
          r"pages: (\d+) of \1 rendered \(\d+ ms\)", r"cards: \d+ drawn \(\d+ ms\)",
          r"render: \d+ files \(\d+ ms\)", r"search index: \d+ ms", r"write: \d+ ms"]


def test_a_piped_build_shows_its_stages_in_order_then_the_summary(tmp_path):
    """Issue 15: stage lines on stderr, plain (no carriage return) when piped; the summary on
    stdout; --quiet silences them. PROGRESS_AFTER=0 shows them however quick the build."""
    import os
    import re
    content = copy_fixture(tmp_path)
    env = {**os.environ, "PROGRESS_AFTER": "0"}
    env.pop("CI", None)
    command = [sys.executable, str(ROOT / "build.py"), "--content", str(content), "--now", NOW,
               "--out", str(tmp_path / "out")]
    piped = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert piped.returncode == 0, piped.stderr
    lines = piped.stderr.splitlines()
    assert len(lines) == len(STAGES) and "\r" not in piped.stderr and "\x1b" not in piped.stderr
    for line, stage in zip(lines, STAGES):
        assert re.fullmatch(stage, line), (line, stage)
    assert piped.stdout.startswith("Built ") and "Time: load" in piped.stdout
    quiet = subprocess.run(command + ["--quiet"], capture_output=True, text=True, timeout=120,
                           env=env)
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    bundle = subprocess.run([*command[:2], "bundle", *command[2:6], "--out",
                             str(tmp_path / "bundle")], capture_output=True, text=True,
                            timeout=120, env=env)
    assert bundle.returncode == 0, bundle.stderr
    assert [line.partition(":")[0] for line in bundle.stderr.splitlines()] == [
        "load", "validate", "model", "pages", "cards", "render", "search index", "archive"]


def test_a_build_on_a_terminal_redraws_one_live_line_per_stage(tmp_path):
    """On a terminal (a pty here) each stage is a line redrawn with carriage returns, left as
    its final count; the summary still goes to stdout (a pipe)."""
    import os
    import pty
    import re
    content = copy_fixture(tmp_path)
    env = {**os.environ, "PROGRESS_AFTER": "0", "TERM": "xterm"}
    env.pop("CI", None)
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--content", str(content), "--now", NOW,
         "--out", str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=follower, env=env,
        text=True)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:   # the build closed the terminal's other end
            break
        if not chunk:
            break
        seen += chunk
    stdout = process.communicate(timeout=120)[0]
    os.close(leader)
    assert process.returncode == 0
    screen = seen.decode("utf-8").replace("\r\n", "\n")   # the terminal adds a CR to each LF
    assert "\rpages: " in screen and "\rload…" in screen
    # each stage's last drawing is its final line, ended by a newline
    final = [part.rsplit("\r", 1)[-1].replace("\x1b[K", "") for part in screen.split("\n") if part]
    assert [line.partition(":")[0] for line in final] == [
        "load", "validate", "model", "pages", "cards", "render", "search index", "write"]
    assert re.fullmatch(STAGES[3], final[3])
    assert stdout.startswith("Built ")


def test_a_quick_run_shows_no_stage_and_a_slow_one_shows_those_already_done():
    import io

    from engine.progress import Progress
    stream = io.StringIO()
    quick = Progress(stream, live=False, after=3600)
    quick.start("load")
    quick.finish("load", 0.004)
    assert stream.getvalue() == ""
    quick.after = 0   # the run is now past its delay: the held line comes out with the next
    quick.finish("validate", 0.02, "3 items valid")
    assert stream.getvalue() == "load: 4 ms\nvalidate: 3 items valid (20 ms)\n"
    quiet = Progress(stream := io.StringIO(), quiet=True, live=True, after=0)
    quiet.start("pages")
    quiet.count("pages", "1 of 2 rendered")
    quiet.finish("pages", 1.0)
    assert stream.getvalue() == ""
