"""A build never leaves half a site, gives the same bytes whatever the machine's settings, and
answers any input with a site or a list of file:line errors, never a traceback."""
from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, strategies as st

from conftest import NOW, ROOT, build, copy_fixture, problems_of, with_decap_bundle
from engine.problems import Problem

CLAIM = """statement: Claim number {n} about Acme.
topic: funding
status: confirmed
claimant: Acme
sources:
  - source: daily-report
    stance: supports
note: |
  {text} [@wire, para. {n}]
added: 2026-11-01
updated: 2026-11-0{day}
"""


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def bulk_content(base: Path, claims: int, day: int) -> Path:
    content = base / "content"
    if not content.exists():
        copy_fixture(base)
    for n in range(claims):
        (content / f"claims/bulk-{n}.yaml").write_text(CLAIM.format(
            n=n, day=day, text="Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 20))
    return content


@pytest.mark.long
def test_a_build_killed_half_way_leaves_the_previous_site_whole(tmp_path):
    content = bulk_content(tmp_path, 600, day=1)
    out = tmp_path / "_site"
    command = [sys.executable, str(ROOT / "build.py"), "--content", str(content), "--out", str(out),
               "--now", NOW]
    subprocess.run(command, check=True, capture_output=True)
    first = tree(out)
    bulk_content(tmp_path, 600, day=2)          # every claim page changes
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    full = time.perf_counter() - started
    second = tree(out)
    assert second != first
    bulk_content(tmp_path, 600, day=3)
    seen = set()
    for fraction in (0.2, 0.4, 0.6, 0.75, 0.9, 0.97):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(full * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = tree(out)
        assert now == second or _is_complete_build(now, second), f"half-written site at {fraction}"
        seen.add("old" if now == second else "new")
    assert "old" in seen                         # at least one kill landed before the swap
    subprocess.run(command, check=True, capture_output=True)
    assert not list(tmp_path.glob("._site.staging-*"))   # leftovers of the kills are cleaned up


def _is_complete_build(now: dict[str, str], previous: dict[str, str]) -> bool:
    """A finished newer build: same set of pages, every claim page of the newest content, and
    a search index (its file names follow its content, so they are not compared)."""
    def pages(site: dict[str, str]) -> set[str]:
        return {k for k in site if not k.startswith("pagefind/")}
    return pages(now) == pages(previous) and "pagefind/pagefind-entry.json" in now and all(
        now[k] != previous[k] for k in now if k.startswith("claims/bulk-"))


@pytest.mark.long
def test_builds_are_byte_identical_across_time_zones_locales_hash_seeds_and_paths(tmp_path):
    outputs = []
    for index, env in enumerate([{"TZ": "UTC", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"},
                                 {"TZ": "Pacific/Kiritimati", "LC_ALL": "C", "PYTHONHASHSEED": "77"},
                                 {"TZ": "America/Los_Angeles", "LANG": "fr_FR.UTF-8",
                                  "PYTHONHASHSEED": "random"}]):
        checkout = tmp_path / f"checkout-{index}" / "somewhere" if index else tmp_path / "checkout-0"
        for name in ("engine", "templates", "static"):
            shutil.copytree(ROOT / name, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "build.py", checkout / "build.py")
        shutil.copytree(ROOT / "content", checkout / "content")
        with_decap_bundle(checkout)   # site.yaml's admin: /admin/ is part of the site
        out = checkout / "_site"
        subprocess.run([sys.executable, "build.py", "--now", NOW, "--out", str(out)], cwd=checkout,
                       env={"PATH": "/usr/bin:/bin", **env}, check=True, capture_output=True)
        outputs.append(tree(out))
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) > 200


# --- any input: a site or a list of file:line errors ---------------------------------------------

YAML_NOISE = st.text(alphabet=":-[]{}&*!|>'\"#%@,?\n\t abcé0123456789.\\", max_size=40)
FILES = ["claims/round-size.yaml", "events/round-a.yaml", "sources/daily-report.yaml",
         "entities/big-fund.yaml", "site.yaml", "pages/about.md", "corrections/valuation-figure.yaml"]


def assert_site_or_positioned_errors(content: Path, out: Path):
    result = build(content, out)           # raises on a traceback: that is the failure we look for
    if not result.ok:
        assert result.failures
        for problem in result.failures:
            assert isinstance(problem, Problem) and problem.line >= 1 and problem.column >= 1
            assert problem.path and problem.message


@pytest.mark.long
@given(file=st.sampled_from(FILES), at=st.integers(0, 2000), cut=st.integers(0, 60), noise=YAML_NOISE)
@example(file="claims/round-size.yaml", at=0, cut=0, noise="0[")  # found by this test: a key with "["
def test_mutated_content_files_give_a_site_or_errors_never_a_traceback(tmp_path_factory, file, at, cut, noise):
    base = tmp_path_factory.mktemp("mutated")
    content = copy_fixture(base)
    path = content / file
    text = path.read_text("utf-8")
    at = at % (len(text) + 1)
    path.write_text(text[:at] + noise + text[at + cut:], encoding="utf-8")
    assert_site_or_positioned_errors(content, base / "out")


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False),
                    st.text(max_size=20), st.dates().map(str))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) |
                      st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
KEYS = st.sampled_from(["statement", "topic", "status", "claimant", "sources", "note", "history",
                        "date", "events", "entities", "added", "updated", "draft", "id", "old_ids"])


@given(data=st.dictionaries(KEYS, VALUES, max_size=10))
def test_random_claims_give_a_site_or_errors_never_a_traceback(tmp_path_factory, data):
    base = tmp_path_factory.mktemp("random")
    content = copy_fixture(base)
    (content / "claims/random.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    assert_site_or_positioned_errors(content, base / "out")


def test_a_binary_file_is_an_error_not_a_crash(tmp_path):
    content = copy_fixture(tmp_path)
    (content / "sources/binary.yaml").write_bytes(b"title: \xff\xfe\x00\x01")
    assert "content/sources/binary.yaml:1:8: this file is not UTF-8 text: save it as UTF-8" in problems_of(content)


def test_output_is_the_same_for_any_number_of_workers(tmp_path, monkeypatch):
    from engine import render
    monkeypatch.setattr(render, "PARALLEL_FROM", 4)       # make the small site worth splitting
    content = copy_fixture(tmp_path)
    trees = []
    for workers in (1, 2, 3):
        out = tmp_path / f"out-{workers}"
        assert build(content, out, workers=workers).ok
        trees.append(tree(out))
    assert trees[0] == trees[1] == trees[2]
