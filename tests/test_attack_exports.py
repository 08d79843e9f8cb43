"""Issue 14, exports and messages: what the readers of our files execute is made inert, every
file is valid for its format whatever the content holds, messages are safe to print, and no
text step is worse than linear (SECURITY.md, "Exports" and "Messages").

The export functions are called directly with hostile values, bypassing validation (which
refuses most of them at the source): this layer must hold on its own."""
from __future__ import annotations

import subprocess
import sys

from conftest import NOW, ROOT, copy_fixture
from engine.problems import WARNING, Problem, Problems, printable, shown

# --- messages ---------------------------------------------------------------------------------

HOSTILE_LINE = "x\n::add-mask::secret\r::error file=build.py::forged\x1b[2J\x1b]8;;http://evil\x07\u202eevil"
HOSTILE_SHOWN = ("x\\n::add-mask::secret\\r::error file=build.py::forged\\x1b[2J\\x1b]8;;"
                 "http://evil\\x07\\u202eevil")


def run(*args):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_every_message_is_one_line_of_visible_characters_whoever_wrote_it():
    problem = Problem("content/claims/a.yaml", 3, 4, f'unknown source "{HOSTILE_LINE}"', WARNING)
    assert str(problem) == f'content/claims/a.yaml:3:4: warning: unknown source "{HOSTILE_SHOWN}"'
    # through Problems.add too, and in the file name
    problems = Problems(ROOT)
    problems.add(ROOT / "content/a\x1b[31m\n.yaml", 1, 1, "x\u2028y\u2066z\x85")
    assert str(problems.items[0]) == "content/a\\x1b[31m\\n.yaml:1:1: x\\u2028y\\u2066z\\x85"


def test_a_message_quoting_a_huge_value_keeps_its_start_and_its_fix():
    problem = Problem("content/a.yaml", 1, 1, f'"{"x" * 100_000}" is wrong: write y instead')
    assert len(problem.message) <= 1003 and problem.message.endswith("is wrong: write y instead")
    assert problem.message.startswith('"xxx') and " … " in problem.message


def test_shown_quotes_escapes_and_cuts_a_value():
    assert shown(HOSTILE_LINE[:12]) == '"x\\n::add-mask"'
    assert shown('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'
    assert shown("é" * 100, limit=5) == '"ééééé…"'
    assert printable("tab\there") == "tab\\there"


def test_github_annotations_cannot_be_forged_by_a_value_or_a_path():
    problem = Problem("content/x\n::add-mask::y,z.yaml", 2, 3, f"bad {HOSTILE_LINE} 100%")
    line = problem.github()
    assert "\n" not in line and "\r" not in line and line.count("::") >= 2
    assert line == ("::error file=content/x\\n%3A%3Aadd-mask%3A%3Ay%2Cz.yaml,line=2,col=3::"
                    f"bad {HOSTILE_SHOWN} 100%25")


def test_a_hostile_option_value_is_printed_escaped_on_one_line(tmp_path):
    content = copy_fixture(tmp_path)
    result = run("check", "--content", str(content), "--now", HOSTILE_LINE, "--format", "github")
    assert result.returncode == 1
    message = f'"{HOSTILE_SHOWN}" is not a date: write YYYY-MM-DD'
    assert result.stdout.splitlines() == [f"::error file=--now,line=1,col=1::{message}"]
    assert result.stderr.splitlines()[0] == f"--now:1:1: {message}"
    assert "\x1b" not in result.stderr + result.stdout and "\u202e" not in result.stderr


def test_a_hostile_content_value_cannot_forge_annotations_or_reach_the_terminal(tmp_path):
    content = copy_fixture(tmp_path)
    claim = content / "claims/valuation.yaml"
    claim.write_text(claim.read_text().replace(
        "source: wire", 'source: "wyre\\n::add-mask::secret\\e[2J\\u202e"', 1))
    result = run("check", "--content", str(content), "--now", NOW, "--format", "github")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "::error file=content/claims/valuation.yaml,line=6,col=13::")
    assert "wyre\\n::add-mask::secret\\x1b[2J\\u202e" in lines[0]
    assert [line for line in result.stderr.splitlines() if line.startswith("content/")] == \
        [lines[0].replace("::error file=content/claims/valuation.yaml,line=6,col=13::",
                          "content/claims/valuation.yaml:6:13: ")]
    for text in (result.stdout, result.stderr):
        assert not any(ch in text for ch in "\x1b\r\u202e")


def test_the_archive_listing_prints_addresses_and_file_names_escaped(tmp_path):
    from pathlib import Path

    from engine import archive, schema
    url = "https://wire.example.com/a\x1b[2J\n::add-mask::secret"
    source = schema.Source.model_construct(id="wire", url=url, archived=None)
    printed: list[str] = []
    archive.run({"wire": source}, {"wire": Path("/elsewhere/wire\x1b.yaml")}, check=False,
                wayback=None, out=printed.append)
    assert printed[-1] == ("  /elsewhere/wire\\x1b.yaml\n    https://web.archive.org/save/"
                           "https://wire.example.com/a\\x1b[2J\\n::add-mask::secret")
