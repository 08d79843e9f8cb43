"""Shared helpers: build the small fixture site (tests/fixtures/site) and read its pages."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import incremental, pipeline  # noqa: E402
from engine.compiled_templates import CompiledTemplates  # noqa: E402
from engine.export import ItemMemo  # noqa: E402
from engine.memory import Memory  # noqa: E402
from engine.pipeline import Paths, load_and_validate  # noqa: E402

# CI: the same examples every run, no per-example deadline (builds are slow on a busy machine).
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
# Exploring locally: HYPOTHESIS_PROFILE=explore finds new examples each run.
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Stage lines appear once a run passes two seconds, which a loaded CI machine can reach on the
# fixture; tests that assert on a build's exact output must not depend on its speed. The tests
# of the progress lines set PROGRESS_AFTER=0 themselves. Subprocesses inherit this.
os.environ.setdefault("PROGRESS_AFTER", "3600")

FIXTURE = ROOT / "tests" / "fixtures" / "site"
NOW = "2026-11-23"


# --- in-process builds -------------------------------------------------------------------------------
# Each build the engine makes starts from the memory it is given (engine/memory.py), a new one
# standing for a new process. The suite's in-process builds share one thing: Jinja's compiled
# code, which is keyed by each template's text (Jinja checks its checksum), so sharing it changes
# no output; without it each of some 150 builds compiles every template again (0.25 s each).
# A test about compiling passes Memory() itself.
COMPILED = CompiledTemplates()


def new_memory(**parts) -> Memory:
    """A new process's memory, but for the compiled templates the suite shares."""
    return Memory(compiled=COMPILED, **parts)


def build_site(*args, memory: Memory | None = None, **options):
    """engine.pipeline.build_site, as a new process would run it (see COMPILED)."""
    return pipeline.build_site(*args, memory=new_memory() if memory is None else memory, **options)


def cli_build(*args, memory: Memory | None = None, **options) -> int:
    """engine.pipeline.build (the command line's build), as a new process would run it."""
    return pipeline.build(*args, memory=new_memory() if memory is None else memory, **options)


def DevBuild(*args, **options) -> incremental.DevBuild:  # noqa: N802 - stands in for the class
    """A dev server's builder, with a new memory of its own (see COMPILED)."""
    options.setdefault("memory", new_memory(items=ItemMemo()))
    return incremental.DevBuild(*args, **options)


# --- groups: `make test-fast` leaves out the tests marked browser or long ---------------------------

def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Chromium, the Nu checker (Java) or Lighthouse, "
                                       "installed by make test; left out of make test-fast")
    config.addinivalue_line("markers", "long: a long property run or a run on a whole fresh checkout; "
                                       "left out of make test-fast")


# A test that asks for a browser is a browser test, however deep in its fixtures the request is.
BROWSER_FIXTURES = {"browser", "served"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.browser)
    # The long ones first, so that two workers share them instead of one finishing alone.
    items.sort(key=lambda item: not (item.get_closest_marker("browser") or item.get_closest_marker("long")))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    import browser   # before the test's fixtures, which may start Chromium
    browser.MARKED_BROWSER = item.get_closest_marker("browser") is not None


def paths_for(content: Path, overrides: Path | None = None) -> Paths:
    return Paths(root=ROOT, content=content, overrides=overrides or content.parent / "overrides")


def with_decap_bundle(checkout: Path) -> Path:
    """A copy of the Decap CMS tarball `make admin-files` fetched (engine/decap_bundle.py), where
    a build in `checkout` looks for it: a copy, since a symbolic link there is refused."""
    from engine import decap_bundle
    decap_bundle.location(checkout).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(decap_tarball(), decap_bundle.location(checkout))
    return checkout


def decap_tarball() -> Path:
    from engine import decap_bundle
    fetched = decap_bundle.location(ROOT)
    assert fetched.is_file(), "Decap CMS is not fetched: run `make admin-files` (make test does)"
    return fetched


def copy_fixture(target: Path) -> Path:
    content = target / "content"
    shutil.copytree(FIXTURE, content)
    return content


def problems_of(content: Path, now: str = NOW):
    """Every problem of a check, as the strings an editor sees."""
    _, problems = load_and_validate(paths_for(content), now)
    return [str(p) for p in problems.items]


def build(content: Path, out: Path, now: str = NOW, strict: bool = False, drafts: bool = False,
          overrides: Path | None = None, workers: int = 1, memory=None):
    """A build as the command line's (a new memory, as a new process), or with `memory`."""
    return build_site(paths_for(content, overrides), out, now, strict=strict, drafts=drafts,
                      workers=workers, memory=memory)


_PARSED: dict[tuple, BeautifulSoup] = {}


def parsed_html(path: Path) -> BeautifulSoup:
    """A page's parse, shared by the tests of a process that read the same built page (several
    walk all of the real site's pages). Keyed by the file's identity and change time, so a page
    rebuilt in place is parsed again. Callers only read it."""
    stat = path.stat()
    key = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        _PARSED[key] = BeautifulSoup(path.read_bytes().decode("utf-8"), "html.parser")
    return _PARSED[key]


def page(out: Path, url_path: str) -> BeautifulSoup:
    path = out / url_path
    if url_path.endswith("/") or url_path == "":
        path = path / "index.html"
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


@pytest.fixture
def content(tmp_path) -> Path:
    """A fresh, editable copy of the fixture content."""
    return copy_fixture(tmp_path)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The fixture site, built once for the whole session."""
    base = tmp_path_factory.mktemp("fixture")
    result = build(copy_fixture(base), base / "_site")
    assert result.ok, result.failures
    return base / "_site"


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    """The real content, built with --strict once per test process."""
    out = tmp_path_factory.mktemp("real") / "_site"
    result = build_site(Paths(root=ROOT, content=ROOT / "content", overrides=ROOT / "overrides"),
                        out, NOW, strict=True)
    assert result.ok, "\n".join(map(str, result.failures))
    return out


# --- the browser tests' shared fixtures ---------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    """Chromium (tests/browser.py says which), one per test module."""
    from playwright.sync_api import sync_playwright

    from browser import ARGS, chromium_path
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def served(real_site):
    """The real site on 127.0.0.1 with netlify.toml's headers: the base URL."""
    from site_server import serve
    server, base = serve(real_site)
    yield base
    server.shutdown()
