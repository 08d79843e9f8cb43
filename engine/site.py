"""One build of one site, step by step: `load` reads and validates the content, `model` makes
the page models, `outputs` renders every file (pages, site files, static files, the editor,
social cards, open data), and `write` swaps the new site into the output folder with its search
index. The command line's build and `check` (engine/pipeline.py), `bundle` (engine/bundle.py)
and the dev server (engine/incremental.py) are drivers of it. Each step is timed by one helper
(`step`), and each failure of any step becomes positioned problems in one place (`attempt`).
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import os
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError

from . import search, write
from .admin import left_out
from .load import RawContent, load_content
from .memory import Memory
from .model import build_pages
from .page_model import Links, PageModel, link_content
from .paths import Paths
from .problems import ContentError, Problem, Problems, shown
from .render import Renderer, render_site
from .schema import WebURL
from .strings import counted
from .template_errors import TemplateFailure, template_problem
from .timings import Timings
from .validate import Content, Validation, validate_all

# The last second of 9999-12-31: later dates cannot be written as YYYY-MM-DD.
MAX_EPOCH = 253402300799


class EpochError(ValueError):
    """SOURCE_DATE_EPOCH is set but is not a date a build can use."""


def epoch_date(epoch: str, zone: dt.tzinfo) -> dt.date:
    """The day SOURCE_DATE_EPOCH (seconds since 1970-01-01 UTC, digits only) falls on."""
    text = epoch.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or int(text) > MAX_EPOCH:
        raise EpochError(epoch)
    try:
        return dt.datetime.fromtimestamp(int(text), zone).date()
    except (OverflowError, OSError, ValueError):   # past year 9999 in a zone east of UTC
        raise EpochError(epoch) from None


def reference_date(given: str | None, time_zone: str) -> dt.date:
    """'Now' for embargoes: --now, else SOURCE_DATE_EPOCH, else today in the site's time zone."""
    if given:
        return dt.date.fromisoformat(given)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    zone = zoneinfo.ZoneInfo(time_zone)
    if epoch:
        return epoch_date(epoch, zone)
    return dt.datetime.now(zone).date()


def items_in(content: Content) -> int:
    return sum(len(content.kind(kind)) for kind in ("sources", "claims", "events", "entities"))


def logo_found(site, paths: Paths, raw: RawContent, problems: Problems) -> bool:
    """site.yaml's theme logo names a file among the static files (overrides first)."""
    logo = site.theme.logo if site.theme else None
    if logo is None or any((folder / logo).is_file() for folder in paths.static):
        return True
    problems.add(raw.site.path, *raw.site.position(("theme", "logo")),
                 f'theme.logo: no file "{logo}" in {paths.overrides.name}/static/ or static/; '
                 "put the image there, or remove the line")
    return False


def build_date(raw: RawContent, now: str | None, problems: Problems) -> dt.date:
    """The reference date, in the site's time zone when site.yaml names a valid one."""
    time_zone = "UTC"
    if raw and raw.site and isinstance(raw.site.data.get("time_zone"), str):
        time_zone = raw.site.data["time_zone"]
    try:
        return reference_date(now, time_zone)
    except EpochError:
        problems.add("SOURCE_DATE_EPOCH", 1, 1, "this environment variable is not a build date: "
                     "set it to the seconds since 1970-01-01 UTC, digits only (e.g. "
                     "`date +%s`, or `git log -1 --format=%ct`), or unset it")
        return dt.date.today()
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        if now:
            problems.add("--now", 1, 1, f"{shown(now)} is not a date: write YYYY-MM-DD")
            return dt.date.today()
        # site.yaml's time zone is reported by validation
        return build_date(None, None, problems)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass(frozen=True)
class Deploy:
    """Where the build is going, when that is not what site.yaml says: another base URL (a
    GitHub Pages project lives under /<repo>/), and a host that sends no security headers."""
    base_url: str | None = None
    csp_meta: bool = False


def with_base_url(content: Content, base_url: str, problems: Problems) -> Content | None:
    from pydantic import TypeAdapter, ValidationError

    try:
        checked = TypeAdapter(WebURL).validate_python(base_url)
    except ValidationError:
        checked = None
    if not checked or not checked.endswith("/"):
        problems.add("--base-url", 1, 1, f"{shown(base_url)} is not a base URL: give the full address "
                     "of the site's folder, ending in /, e.g. https://newsroom.github.io/investigation/")
        return None
    return dataclasses.replace(content, site=content.site.model_copy(update={"base_url": checked}))


@dataclass
class BuildResult:
    problems: Problems
    failures: list = field(default_factory=list)   # problems that stopped the build
    files: dict = field(default_factory=dict)
    timings: Timings = field(default_factory=Timings)
    written: bool = False
    left_out: list[str] = field(default_factory=list)   # what the build could not add, and how to

    @property
    def ok(self) -> bool:
        return not self.failures


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector re-scans every live object as the heap grows, which made a
    50,000-claim build spend most of its time collecting; a build makes almost no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class SearchIndex:
    """The search index of a staged site (engine/search.py). A streaming build starts Pagefind
    as soon as the HTML is written, so that it runs while the cards are drawn; `finish` waits
    for it (or, when it was not started, runs it). Leaving the block cancels one still running
    (a failed build, or a site the same as before)."""

    def __init__(self, staged, timings: Timings):
        self.staged, self.timings = staged, timings
        self.running = None

    def start(self) -> None:
        self.running = search.Indexing(self.staged.folder, self.staged.folder / search.INDEX_FOLDER)

    def finish(self, folder: Path) -> None:
        if self.running is None:
            self.start()
        running, self.running = self.running, None
        # with a streaming build, only the part that did not overlap the cards
        self.timings.run("search index", running.finish)

    def __enter__(self) -> "SearchIndex":
        return self

    def __exit__(self, *exc) -> None:
        if self.running is not None:
            self.running.cancel()


@dataclass(frozen=True)
class Options:
    """How to build: the reference date (--now), whether warnings stop it (--strict), whether
    drafts and embargoed items are in (--drafts), the dev server's stable asset names, how many
    processes render, and where the site is going (--base-url, --csp-meta)."""
    now: str | None = None
    strict: bool = False
    drafts: bool = False
    dev: bool = False
    workers: int | None = None
    deploy: Deploy = Deploy()


class Site:
    """One build of one site. Construct it, then call its steps in order; `result` holds the
    problems, the failures that stopped it, the files and the time each step took."""

    def __init__(self, paths: Paths, options: Options = Options(), memory: Memory | None = None,
                 page_cache=None, progress=None):
        # what its builder keeps between builds (a new memory: a new process), and the command
        # line's rendered pages
        self.paths, self.options, self.page_cache = paths, options, page_cache
        self.memory = Memory() if memory is None else memory
        self.result = BuildResult(Problems(paths.content.parent), timings=Timings(progress=progress))
        self.validation: Validation | None = None
        self.content: Content | None = None
        self.links: Links | None = None
        self.pages: list[PageModel] = []
        self.renderer: Renderer | None = None

    @property
    def problems(self) -> Problems:
        return self.result.problems

    @property
    def workers(self) -> int:
        return default_workers() if self.options.workers is None else self.options.workers

    def step(self, name: str, function, *args, count_of=None, **kwargs):
        """Runs one step, timed under `name` (a step inside another is not counted twice)."""
        return self.result.timings.run(name, function, *args, count_of=count_of, **kwargs)

    def attempt(self, function, *args, **kwargs) -> bool:
        """Runs part of a step; a failure of it (content, template, search index) becomes the
        positioned problems that stop the build. Whether it succeeded."""
        try:
            function(*args, **kwargs)
            return True
        except ContentError as error:
            self.result.failures = list(error.problems)
        except (TemplateError, TemplateFailure) as error:
            self.result.failures = [template_problem(error, self.paths.templates, self.problems)]
        except search.SearchIndexError as error:
            self.result.failures = [Problem("search index", 1, 1, str(error))]
        return False

    # --- the steps ----------------------------------------------------------------------------------

    def load(self) -> bool:
        """Reads and validates the content. Whether there is content to build from; the
        problems that stop a build (errors, and warnings with --strict) are in result.failures."""
        raw = self.step("load", load_content, self.paths.content, self.problems)
        today = build_date(raw, self.options.now, self.problems)
        validation = self.step("validate", validate_all, raw, self.problems, today, self.options.drafts,
                               count_of=lambda valid: counted(items_in(valid.content), "{n} item valid",
                                                              "{n} items valid") if valid.content else None)
        if validation.content is not None and not logo_found(validation.content.site, self.paths, raw,
                                                             self.problems):
            validation.content = None
        if validation.content is not None and self.options.deploy.base_url:
            validation.content = with_base_url(validation.content, self.options.deploy.base_url,
                                               self.problems)
        self.validation, self.content = validation, validation.content
        self.result.failures = self.problems.errors + (self.problems.warnings if self.options.strict else [])
        return self.content is not None

    def model(self) -> list[PageModel]:
        """The page models, and the reverse links they were made with."""
        def make() -> list[PageModel]:
            self.links = link_content(self.content)
            return build_pages(self.content, self.links)
        self.pages = self.step("model", make, count_of=lambda pages: counted(len(pages), "{n} page", "{n} pages"))
        return self.pages

    def outputs(self, sink=None, after_html=None) -> bool:
        """Every file of the site into result.files (see render.render_site for `sink` and
        `after_html`). Whether it succeeded."""
        self.result.left_out = [note for note in (left_out(self.content.site, self.paths.root),) if note]

        def files() -> dict:
            self.renderer = Renderer(self.paths, self.content, self.memory, fingerprint=not self.options.dev,
                                     csp_meta=self.options.deploy.csp_meta)
            return render_site(self.renderer, self.pages, self.workers, self.page_cache, sink, after_html,
                               self.result.timings.progress)

        def render() -> None:
            self.result.files = self.step("render", files,
                                          count_of=lambda files: counted(len(files), "{n} file", "{n} files"))
        return self.attempt(render)

    def build(self, out: Path, in_memory: bool = True) -> BuildResult:
        """Every step; `out` is replaced only when all of them succeed. With in_memory=False (the
        command line), each file goes to the staging folder as soon as it is rendered, and
        result.files keeps what each file was made from but not its bytes."""
        with collector_paused():
            if not self.load() or self.result.failures:
                return self.result
            self.model()
            with write.StagedSite(out) as staged, SearchIndex(staged, self.result.timings) as index:
                sink = None if in_memory else (lambda path, data: self.step("write", staged.add, path, data))
                if not self.outputs(sink, None if in_memory else index.start):
                    return self.result

                def commit() -> None:
                    if in_memory:
                        for path, output in self.result.files.items():
                            self.step("write", staged.add, path, output.data)
                    self.result.written = self.step("write", staged.commit, index=index.finish)
                self.attempt(commit)
        return self.result
