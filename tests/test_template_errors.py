"""A broken template is reported like broken content (issue 18): the override or default template's
file, line and column, Jinja's message in plain words, and the same line in build, check, serve
(the page the browser shows) and bundle."""
from __future__ import annotations

import html
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NOW, ROOT, build, cli_build, copy_fixture, paths_for

from engine import bundle, pipeline, render
from engine.serve import DevSite
from engine.template_errors import plain_words

UNCLOSED_IF = ("overrides/templates/claim.html:2:1: template error: the `{% if %}` block is never "
               "closed: add `{% endif %}` where it should end (Jinja: Unexpected end of template. "
               "Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost "
               "block that needs to be closed is 'if'.)")
NO_FIELD = ("overrides/templates/claim.html:2:17: template error: `nope` is not a field of this value "
            "(str object): check the name, or test it first with `{% if … is defined %}` "
            "(Jinja: 'str object' has no attribute 'nope')")
NO_PARTIAL = ("overrides/templates/claim.html:2:13: template error: there is no template "
              "`partials/nothere.html` (neither in the overrides' templates nor the default ones): "
              "check the name in `{% extends %}`, `{% include %}` or `{% import %}`")


def with_override(tmp_path: Path, text: str, name: str = "claim.html") -> Path:
    content = copy_fixture(tmp_path)
    templates = tmp_path / "overrides" / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / name).write_text(text, "utf-8")
    return content


def dev_site(content: Path, tmp_path: Path) -> DevSite:
    """The dev server's state without its web server; the search index is made with each build,
    not by a thread that would outlive the test (engine/serve.py refreshes it in the background)."""
    dev = DevSite(paths_for(content), tmp_path / "dev", NOW, drafts=False)
    dev.builder.index_in_background = False
    return dev


def run(command: str, content: Path, out: Path, capfd) -> tuple[int, list[str]]:
    """A command as build.py runs it (the same driver, in this process): its status and the
    lines it printed on stderr."""
    paths = paths_for(content)
    if command == "build":
        status = cli_build(paths, out, NOW, strict=False)
    elif command == "check":
        status = pipeline.check(paths, NOW, strict=False)
    else:
        status = bundle.run(paths, out, NOW, strict=False)
    return status, capfd.readouterr().err.splitlines()


def test_a_syntax_error_is_the_same_line_in_build_check_bundle_and_the_dev_server(tmp_path, capfd):
    content = with_override(tmp_path, "<p>\n{% if page.title %}\n")
    for command in ("build", "check", "bundle"):
        status, lines = run(command, content, tmp_path / command, capfd)
        assert (status, lines[:1]) == (1, [UNCLOSED_IF]), (command, lines)
        assert not (tmp_path / command).exists()
    dev = dev_site(content, tmp_path)
    dev.rebuild()
    assert [str(problem) for problem in dev.failures] == [UNCLOSED_IF]
    where, _, message = UNCLOSED_IF.partition(": ")
    assert f'<span class="where">{where}</span>: {html.escape(message)}</li>' in dev.error_page().decode()


def test_an_error_while_rendering_names_the_template_line_and_column(tmp_path):
    content = with_override(tmp_path, "<p>\n  {{ page.title.nope }}\n")
    result = build(content, tmp_path / "site")
    assert [str(problem) for problem in result.failures] == [NO_FIELD]
    assert not (tmp_path / "site").exists()


def test_an_error_in_a_worker_process_keeps_its_position(tmp_path, monkeypatch):
    """Pages render in forked workers on a big site; the error comes back positioned."""
    monkeypatch.setattr(render, "PARALLEL_FROM", 4)
    content = with_override(tmp_path, "<p>\n  {{ page.title.nope }}\n")
    result = build(content, tmp_path / "site", workers=2)
    assert [str(problem) for problem in result.failures] == [NO_FIELD]


def test_a_missing_partial_is_found_by_check_and_build_where_it_is_named(tmp_path, capfd):
    content = with_override(tmp_path, '<p>\n{% include "partials/nothere.html" %}\n')
    for command in ("check", "build"):
        status, lines = run(command, content, tmp_path / "site", capfd)
        assert (status, lines[:1]) == (1, [NO_PARTIAL]), (command, lines)


def test_build_py_reports_a_template_error_as_one_line_without_a_traceback(tmp_path):
    """The command line itself, once: the same line, and no traceback."""
    with_override(tmp_path, "<p>\n{% if page.title %}\n")
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", "content", "--overrides",
                           "overrides", "--now", NOW, "--quiet", "--out", "site"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and done.stderr.splitlines() == [UNCLOSED_IF, "1 problem: nothing was written."]


def test_an_error_in_a_template_edited_while_the_dev_server_runs_is_shown_then_cleared(tmp_path):
    content = with_override(tmp_path, "<p>{{ page.title }}</p>\n")
    dev = dev_site(content, tmp_path)
    dev.rebuild()
    assert dev.failures == []
    broken = tmp_path / "overrides" / "templates" / "claim.html"
    broken.write_text("<p>\n  {{ page.title.nope }}\n", "utf-8")
    dev.rebuild()
    assert [str(problem) for problem in dev.failures] == [NO_FIELD]
    broken.write_text("<p>{{ page.title }}</p>\n", "utf-8")
    dev.rebuild()
    assert dev.failures == []


def test_a_broken_default_template_is_named_by_its_own_path(tmp_path):
    root = tmp_path / "engine-root"
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "static", root / "static")
    page = root / "templates" / "page.html"
    page.write_text(page.read_text("utf-8") + "{% endif %}\n", "utf-8")
    content = copy_fixture(tmp_path)
    paths = paths_for(content)
    result = render_failures(paths.__class__(root=root, content=content, overrides=paths.overrides))
    lines = page.read_text("utf-8").count("\n")
    assert result == [f"engine-root/templates/page.html:{lines}:1: template error: `{{% endif %}}` is "
                      f"not a Jinja tag here: check its spelling, or whether it closes a block that "
                      f"was never opened (Jinja: Encountered unknown tag 'endif'.)"]


def render_failures(paths) -> list[str]:
    from conftest import build_site
    return [str(problem) for problem in build_site(paths, paths.content.parent / "site", NOW).failures]


@pytest.mark.parametrize("jinja, words", [
    ("'dict object' has no attribute 'titel'", "`titel` is not a field of this value (dict object)"),
    ("'pgae' is undefined", "`pgae` is not defined here"),
    ("No filter named 'fuzy'.", "there is no filter called `fuzy`"),
    ("No test named 'defind'.", "there is no test called `defind`"),
    ("Encountered unknown tag 'endfor'.", "`{% endfor %}` is not a Jinja tag here"),
    ("Unexpected end of template. Jinja was looking for the following tags: 'endfor' or 'else'. "
     "The innermost block that needs to be closed is 'for'.", "the `{% for %}` block is never closed: "
     "add `{% endfor %}`"),
    ("unexpected ')'", "Jinja could not read this line (an unexpected `)`)"),
    ("expected token 'end of print statement', got 'x'", "Jinja expected `end of print statement` but found `x`"),
    ("something Jinja says rarely", "the template cannot be used"),
])
def test_jinja_messages_in_plain_words(jinja, words):
    assert plain_words(jinja)[0].startswith(words)
