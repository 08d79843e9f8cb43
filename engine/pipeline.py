"""The build, top to bottom: load, validate, model, render, write. Each stage is its own module."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from . import cache as build_cache
from . import environment, warm_caches
from .memory import Memory
from .outfolder import remove_stale_staging
from .paths import Paths
from .problems import Problems
from .schema import json_schemas
from .site import BuildResult, Deploy, Options, Site, collector_paused, items_in
from .strings import counted
from .validate import Content


def load_and_validate(paths: Paths, now: str | None, drafts: bool = False) -> tuple[Content | None, Problems]:
    """The load step alone: the content (None when there are errors) and every problem."""
    site = Site(paths, Options(now=now, drafts=drafts))
    site.load()
    return site.content if not site.problems.errors else None, site.problems


def report(problems: Problems, strict: bool, stream=None, format: str = "text",
           verbose: bool = False) -> int:
    """Prints every problem, sorted; returns how many count as errors. With format "github",
    each is also a GitHub Actions annotation (on stdout, where the runner reads them). Notices
    (a source with no archived copy) are not problems to fix now: they are printed only when
    asked for (`--verbose`), after the errors and warnings."""
    stream = stream or sys.stderr   # looked up now: whoever redirected it since the import
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
    """`build.py check`: the load step, then every template compiled; nothing is written."""
    site = Site(paths, Options(now=now, strict=strict))
    templates = 0
    with collector_paused():
        if site.load():   # every template compiled, as the build will read them
            env = environment.make_environment(paths, site.content, environment.asset_paths(
                environment.static_files(paths), False), site.memory)
            templates = environment.compile_all(env, paths.templates, site.problems)
    failing = report(site.problems, strict, format=format, verbose=verbose)
    if failing or site.content is None:
        return 1
    items = items_in(site.content)
    print(f"OK: {counted(items, '{n} item valid', '{n} items valid')}, "
          f"{counted(templates, '{n} template read', '{n} templates read')}, {tally(site.problems, verbose)}")
    return 0


def build_site(paths: Paths, out: Path, now: str | None, strict: bool = False,
               drafts: bool = False, dev: bool = False, workers: int | None = None,
               page_cache=None, deploy: Deploy = Deploy(), in_memory: bool = True,
               progress=None, memory: Memory | None = None) -> BuildResult:
    """Every step of one build (site.Site.build), with what `memory` kept from earlier builds
    (none given: a build like a new process's)."""
    options = Options(now=now, strict=strict, drafts=drafts, dev=dev, workers=workers, deploy=deploy)
    return Site(paths, options, memory, page_cache=page_cache, progress=progress).build(out, in_memory)


def build(paths: Paths, out: Path, now: str | None, strict: bool, drafts: bool = False,
          workers: int | None = None, cache: Path | None = None, inputs: str | None = None,
          deploy: Deploy = Deploy(), verbose: bool = False, progress=None,
          memory: Memory | None = None) -> int:
    """The command line's build: prints every problem, then a one-screen summary; `progress`
    (engine/progress.py) shows the stages on stderr meanwhile. It starts from an empty `memory`,
    as a new process does, unless given one, and fills it from the cache folder."""
    memory = Memory() if memory is None else memory
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
        warm_caches.load_fragments(cache, key, memory.fragments)
        warm_caches.load_template_references(cache, key, memory.references)
        memory.cards.use_folder(cache / "cards", key)
    page_cache = warm_caches.PageCache(cache, key) if cache is not None else None
    result = build_site(paths, out, now, strict, drafts, workers=workers, page_cache=page_cache,
                        deploy=deploy, in_memory=False, progress=progress, memory=memory)
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
        warm_caches.save_fragments(cache, memory.fragments, key)
        warm_caches.save_template_references(cache, key, memory.references)
        memory.cards.prune_folder()
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
