"""The build, top to bottom: load, validate, model, render, write. Each stage is its own module."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import os
import sys
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError

from . import cache as build_cache
from . import cards, environment, model, render, search, warm_caches, write
from .admin import left_out
from .load import RawContent, load_content
from .markdown import used_fragments
from .outfolder import remove_stale_staging
from .paths import Paths
from .problems import ContentError, Problem, Problems, shown
from .schema import WebURL, json_schemas
from .strings import counted
from .template_errors import TemplateFailure, template_problem
from .timings import Timings
from .validate import Content, validate

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


def load_and_validate(paths: Paths, now: str | None, drafts: bool = False,
                      timings: Timings | None = None) -> tuple[Content | None, Problems]:
    """Stages 1 and 2. Returns the content (None when there are errors) and every problem."""
    timings = timings or Timings()
    problems = Problems(paths.content.parent)
    raw = timings.run("load", load_content, paths.content, problems)
    content = timings.run("validate", validate, raw, problems, build_date(raw, now, problems), drafts,
                          count_of=lambda valid: counted(items_in(valid), "{n} item valid", "{n} items valid"))
    if content is not None and not logo_found(content.site, paths, raw, problems):
        content = None
    return content, problems


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


def report(problems: Problems, strict: bool, stream=sys.stderr, format: str = "text",
           verbose: bool = False) -> int:
    """Prints every problem, sorted; returns how many count as errors. With format "github",
    each is also a GitHub Actions annotation (on stdout, where the runner reads them). Notices
    (a source with no archived copy) are not problems to fix now: they are printed only when
    asked for (`--verbose`), after the errors and warnings."""
    for problem in problems.errors + problems.warnings:
        print(problem, file=stream)
        if format == "github":
            print(problem.github(as_error=strict), flush=True)
    if verbose:
        for problem in problems.notices:
            print(problem, file=stream)
    failing = len(problems.errors) + (len(problems.warnings) if strict else 0)
    if problems.warnings and strict:
        print(counted(len(problems.warnings), "{n} warning (treated as an error with --strict)",
                      "{n} warnings (treated as errors with --strict)"), file=stream)
    if failing:
        print(counted(failing, "{n} problem: nothing was written.",
                      "{n} problems: nothing was written."), file=stream)
    return failing


def tally(problems: Problems, verbose: bool) -> str:
    """The end of a summary line: "2 warnings." — and the notices only when asked for."""
    warnings = counted(len(problems.warnings), "{n} warning", "{n} warnings")
    if not verbose:
        return f"{warnings}."
    return f"{warnings}, {counted(len(problems.notices), '{n} notice', '{n} notices')}."


def write_schemas(folder: Path) -> list[str]:
    """JSON Schema files for editors' YAML plugins, generated from engine/schema.py."""
    import json

    folder.mkdir(exist_ok=True)
    for name, schema in json_schemas().items():
        (folder / name).write_text(json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False)
                                   + "\n", encoding="utf-8")
    return sorted(json_schemas())


def check(paths: Paths, now: str | None, strict: bool, format: str = "text",
          verbose: bool = False) -> int:
    with collector_paused():
        content, problems = load_and_validate(paths, now)
        templates = 0
        if content is not None:   # every template compiled, as the build will read them
            env = environment.make_environment(paths, content, environment.asset_paths(environment.static_files(paths), False))
            templates = environment.compile_all(env, paths.templates, problems)
    failing = report(problems, strict, format=format, verbose=verbose)
    if failing or content is None:
        return 1
    items = items_in(content)
    print(f"OK: {counted(items, '{n} item valid', '{n} items valid')}, "
          f"{counted(templates, '{n} template read', '{n} templates read')}, {tally(problems, verbose)}")
    return 0


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


def render_site(paths: Paths, content: Content, timings: Timings, fingerprint: bool = True,
                workers: int = 1, page_cache=None, deploy: Deploy = Deploy(), sink=None,
                after_html=None):
    """Stages 3 and 4: page models, then rendered files (path -> Output; see render.render_site
    for `sink` and `after_html`)."""
    pages = timings.run("model", model.build_pages, content,
                        count_of=lambda pages: counted(len(pages), "{n} page", "{n} pages"))
    return timings.run("render", render.render_site, pages, content, paths, fingerprint, workers,
                       page_cache, deploy.csp_meta, sink, after_html, timings.progress,
                       count_of=lambda files: counted(len(files), "{n} file", "{n} files"))


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


def build_site(paths: Paths, out: Path, now: str | None, strict: bool = False,
               drafts: bool = False, dev: bool = False, workers: int | None = None,
               page_cache=None, deploy: Deploy = Deploy(), in_memory: bool = True,
               progress=None) -> BuildResult:
    """Every stage; writes `out` only when all of them succeed. With in_memory=False (the
    command line), each file is written to the staging folder as soon as it is rendered, and
    result.files keeps what each file was made from but not its bytes."""
    with collector_paused():
        return _build_site(paths, out, now, strict, drafts, dev, workers, page_cache, deploy, in_memory,
                           progress)


def _build_site(paths: Paths, out: Path, now: str | None, strict: bool, drafts: bool, dev: bool,
                workers: int | None, page_cache, deploy: Deploy, in_memory: bool,
                progress=None) -> BuildResult:
    result = BuildResult(Problems(paths.content.parent), timings=Timings(progress=progress))
    content, result.problems = load_and_validate(paths, now, drafts, result.timings)
    if content is not None and deploy.base_url:
        content = with_base_url(content, deploy.base_url, result.problems)
    result.failures = result.problems.errors + (result.problems.warnings if strict else [])
    if result.failures or content is None:
        return result
    result.left_out = [note for note in (left_out(content.site, paths.root),) if note]
    with write.StagedSite(out) as staged, SearchIndex(staged, result.timings) as index:
        sink = None if in_memory else (lambda path, data: result.timings.run("write", staged.add, path, data))
        try:
            result.files = render_site(paths, content, result.timings, fingerprint=not dev,
                                       workers=default_workers() if workers is None else workers,
                                       page_cache=page_cache, deploy=deploy, sink=sink,
                                       after_html=None if in_memory else index.start)
        except ContentError as error:
            result.failures = error.problems
            return result
        except (TemplateError, TemplateFailure) as error:
            result.failures = [template_problem(error, paths.templates, result.problems)]
            return result
        # the files were written while rendering: report the two stages apart
        result.timings.stages["render"] -= result.timings.stages.get("write", 0)
        try:
            if in_memory:
                for path, output in result.files.items():
                    result.timings.run("write", staged.add, path, output.data)
            result.written = result.timings.run("write", staged.commit, index=index.finish)
        except search.SearchIndexError as error:
            result.failures = [Problem("search index", 1, 1, str(error))]
        # the index is made inside the commit: report the two separately
        result.timings.stages["write"] -= result.timings.stages.get("search index", 0)
    return result


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


def build(paths: Paths, out: Path, now: str | None, strict: bool, drafts: bool = False,
          workers: int | None = None, cache: Path | None = None, inputs: str | None = None,
          deploy: Deploy = Deploy(), verbose: bool = False, progress=None) -> int:
    """The command line's build: prints every problem, then a one-screen summary; `progress`
    (engine/progress.py) shows the stages on stderr meanwhile."""
    key = build_cache.open_folder(cache) if cache is not None else None
    if key is None:   # no cache asked for, or a folder it would be unsafe to use
        cache = inputs = None
    if cache is not None:
        if inputs is None:
            inputs = build_cache.skip_if_unchanged(cache, [paths.content, *paths.templates,
                                                           *paths.static], out, now, strict, drafts,
                                                   key=key)
            if inputs is None:
                remove_stale_staging(out)   # what builds killed since the last good one left
                return 0
        build_cache.forget(cache, out, key)
        warm_caches.load_fragments(cache, key)
        warm_caches.load_template_references(cache, key)
        cards.use_cache_folder(cache / "cards", key)
    page_cache = warm_caches.PageCache(cache, key) if cache is not None else None
    result = build_site(paths, out, now, strict, drafts, workers=workers, page_cache=page_cache,
                        deploy=deploy, in_memory=False, progress=progress)
    failing = report(result.problems, strict, verbose=verbose)
    if not failing and result.failures:
        for problem in result.failures:
            print(problem, file=sys.stderr)
        print(counted(len(result.failures), "{n} problem: nothing was written.",
                      "{n} problems: nothing was written."), file=sys.stderr)
    if not result.ok:
        return 1
    kinds = Counter(output.kind for output in result.files.values())
    written = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    state = "" if result.written else " (unchanged: nothing written)"
    if inputs is not None:
        warm_caches.save_fragments(cache, used_fragments(), key)
        warm_caches.save_template_references(cache, key)
        cards.CACHE.prune_folder()
        build_cache.remember(cache, out, inputs, key)
    if page_cache is not None and result.ok:
        page_cache.save()
    reused = " " + counted(page_cache.hits, "{n} page unchanged since the last build was not "
                           "rendered again.", "{n} pages unchanged since the last build were not "
                           "rendered again.") if page_cache is not None and page_cache.hits else ""
    built = counted(len(result.files), "Built {n} file", "Built {n} files")
    print(f"{built} into {out}{state}: {written}.{reused} {tally(result.problems, verbose)} "
          f"Time: {result.timings}.")
    for note in result.left_out:
        print(note)
    return 0
