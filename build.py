#!/usr/bin/env python3
"""The command line. `build.py` builds the site in five steps, one module of engine/ each,
driven by one build session (engine/site.py):

    load      content/*.yaml and *.md read, with the line and column of every value  (load.py)
    validate  every file against the schema and every reference between files        (validate.py)
    model     pure functions from the validated content to page models                (model.py)
    render    page models through the templates; cards, open data, citation files    (render.py)
    write     the new site staged beside the old one and swapped in at once           (write.py)

`check` stops after validating (and compiles the templates); `serve` rebuilds on every save and
re-renders only what an edit touches (incremental.py); `bundle` archives the rendered site.
Run `build.py --help` for every command and option (engine/command_line.py).
"""
from __future__ import annotations

import os
import sys
from importlib.machinery import PathFinder, SourceFileLoader
from pathlib import Path

ROOT = Path(__file__).resolve().parent


# --- before the engine is imported: its bytecode kept outside the checkout ----------------------

class _EngineLoader(SourceFileLoader):
    """The engine's modules with their bytecode kept outside the checkout, beside the cache key
    (engine/cache.py): Python would run a committed engine/__pycache__/*.pyc, hash-checked
    against the very source it claims to be, instead of the engine (SECURITY.md, "Caches").
    Other packages keep theirs where pip put it."""

    HOME = Path(os.environ["XDG_CACHE_HOME"]) if os.path.isabs(os.environ.get("XDG_CACHE_HOME", "")) \
        else Path.home() / ".cache"

    def _outside(self, path: str) -> str:
        return str(Path(self.HOME, "investigation-engine", "pycache", *Path(path).parts[1:])) \
            if path.endswith(".pyc") else path

    def get_data(self, path):
        return super().get_data(self._outside(path))

    def set_data(self, path, data, *, _mode=0o666):
        return super().set_data(self._outside(path), data, _mode=_mode)


class _EngineFinder:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] != "engine":
            return None
        spec = PathFinder.find_spec(name, path or [str(ROOT)])
        if spec is not None and type(spec.loader) is SourceFileLoader:
            spec.loader = _EngineLoader(spec.loader.name, spec.loader.path)
        return spec


sys.meta_path.insert(0, _EngineFinder())

from engine import cache as build_cache  # noqa: E402
from engine import outfolder  # noqa: E402
from engine.command_line import parse_args  # noqa: E402


# --- the command line ------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """Parses the command, refuses an output folder that could be anything but one, holds it
    while a build or the dev server writes there, and runs the command."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    out = None
    try:
        if args.command in ("build", "serve", "bundle"):
            out = checked_out(args)
        if args.command in ("build", "serve"):
            with outfolder.locked(out, args.command):
                return quietly(COMMANDS[args.command], args, out)
        return quietly(COMMANDS[args.command], args, out)
    except outfolder.OutFolderError as error:
        print(error, file=sys.stderr)
        return error.exit_code
    except OSError as error:   # the machine, not the content: a full disk, a read-only folder
        print(outfolder.environment_failure(error, out if args.command == "build" else None),
              file=sys.stderr)
        return 1


def checked_out(args) -> Path:
    """The output folder, refused before anything is read or written when it could be anything
    but one (engine/outfolder.py); every symlink resolved."""
    if args.command == "bundle":   # a folder, or a .zip beside which the other files go
        folder = args.out.parent if args.out.suffix == ".zip" else args.out
        real = outfolder.check_location(folder, ROOT, args.content, args.overrides, bundle=True,
                                        shown_as=args.out)
        return real / args.out.name if args.out.suffix == ".zip" else real
    out = outfolder.check_location(args.out, ROOT, args.content, args.overrides)
    outfolder.check_replaceable(out, given=args.out)
    return out


def quietly(command, args, out: Path | None) -> int:
    """--quiet: only errors (on stderr); the summary on stdout goes, except archive's (its
    --quiet drops the line per source), the dev server's address and check's GitHub
    annotations, which are what those commands are for."""
    if args.quiet and args.command not in ("serve", "archive") and getattr(args, "format", "text") == "text":
        import contextlib
        import io
        with contextlib.redirect_stdout(io.StringIO()):
            return command(args, out)
    return command(args, out)


def paths_of(args):
    from engine.paths import Paths
    return Paths(root=ROOT, content=args.content.resolve(), overrides=args.overrides.resolve())


# --- the commands ------------------------------------------------------------------------------------

def build(args, out: Path) -> int:
    """The default command: nothing at all when no input changed since the last build of this
    folder (checked before the rest of the engine is imported, so a no-op costs next to nothing);
    else load, validate, model, render and write (engine/pipeline.build)."""
    from engine.decap_bundle import location as decap_location
    inputs = build_cache.skip_if_unchanged(ROOT / ".cache", build_folders(args) + [ROOT / "netlify.toml",
                                           decap_location(ROOT)],
                                           out, args.now, args.strict, False,
                                           extra={"base_url": args.base_url, "csp_meta": args.csp_meta})
    if inputs is None:
        outfolder.remove_stale_staging(out)   # what builds killed since the last good one left
        return 0
    from engine import pipeline
    from engine.progress import Progress
    return pipeline.build(paths_of(args), out=out, now=args.now, strict=args.strict,
                          workers=args.workers, cache=ROOT / ".cache", inputs=inputs,
                          deploy=pipeline.Deploy(args.base_url, args.csp_meta), verbose=args.verbose,
                          progress=Progress(quiet=args.quiet))


def build_folders(args) -> list[Path]:
    """Everything a build reads besides the engine: content, then templates and static files
    (the newsroom's overrides first)."""
    overrides = args.overrides.resolve()
    return [args.content.resolve(), overrides / "templates", ROOT / "templates",
            overrides / "static", ROOT / "static"]


def check(args, out: None) -> int:
    """Load and validate, then compile every template; nothing is written."""
    from engine import pipeline
    return pipeline.check(paths_of(args), now=args.now, strict=args.strict, format=args.format,
                          verbose=args.verbose)


def serve(args, out: Path) -> int:
    """A build, then the dev server: rebuilt on every save, reloaded in the browser."""
    from engine import serve as dev_server
    return dev_server.serve(paths_of(args), out=out, port=args.port, now=args.now,
                            drafts=args.drafts, admin=args.admin, verbose=args.verbose,
                            host=args.host, strict=args.strict)


def bundle(args, out: Path) -> int:
    """A build in memory, archived as a zip with its manifest and a WARC file."""
    from engine import bundle as archive_bundle
    from engine.progress import Progress
    return archive_bundle.run(paths_of(args), out=out, now=args.now, strict=args.strict,
                              progress=Progress(quiet=args.quiet))


def schemas(args, out: None) -> int:
    """The JSON Schemas for editors' YAML plugins, from engine/schema.py."""
    from engine import pipeline
    for name in pipeline.write_schemas(ROOT / "schemas"):
        print(f"wrote schemas/{name}")
    return 0


def new_investigation(args, out: None) -> int:
    """`build.py new PATH`: content/, schemas/ and CONTRIBUTING.md for a fresh investigation."""
    from engine import scaffold
    try:
        scaffold.create(args.path, args.title, args.language)
    except scaffold.ScaffoldError as error:
        print(f"build.py new: {error}", file=sys.stderr)
        return 2
    content = args.path / "content"
    print(f"wrote a new investigation to {args.path}/ (content/, schemas/, CONTRIBUTING.md)\n"
          f"preview it:  .venv/bin/python build.py serve --content {content}\n"
          f"build it:    .venv/bin/python build.py --strict --content {content} --out {args.path / '_site'}")
    return 0


def fetch_admin(args, out: None) -> int:
    """`build.py fetch-admin`: Decap's tarball, only for a site whose site.yaml asks for /admin/
    (a fork without the editor downloads nothing); the file is checked either way."""
    from engine import decap_bundle
    from engine.load import load_yaml
    from engine.problems import Problems
    site_file = args.content / "site.yaml"
    problems = Problems(args.content.parent)
    document = load_yaml(site_file, problems) if site_file.is_file() else None
    if not args.always and document is not None and document.data.get("admin") is None:
        print(f"{site_file} has no admin: setting, so the site has no browser editor: nothing "
              "fetched.")
        return 0
    registry = args.registry or os.environ.get("NPM_CONFIG_REGISTRY") or decap_bundle.REGISTRY
    return decap_bundle.fetch(ROOT, registry, log=(lambda line: None) if args.quiet else print)


def archive_sources(args, out: None) -> int:
    """`build.py archive`: drafts included, since they will need an archived copy too."""
    from engine import archive, pipeline
    paths = paths_of(args)
    content, problems = pipeline.load_and_validate(paths, args.now, drafts=True)
    if content is None:
        pipeline.report(problems, strict=False, stream=sys.stderr)
        return 1
    files = {key.partition("/")[2]: paths.content.parent / shown
             for key, shown in content.files.items() if key.startswith("sources/")}
    if not args.check:
        return archive.run(content.sources, files, check=False, wayback=None)
    quiet = args.quiet
    wayback = archive.WaybackAvailability(args.api, log=(lambda line: None) if quiet else print)
    progress = archive.Progress(ROOT / ".cache", paths.content, wayback.api)
    return archive.run(content.sources, files, check=True, wayback=wayback, progress=progress,
                       quiet=quiet)



COMMANDS = {"build": build, "check": check, "serve": serve, "bundle": bundle, "schemas": schemas,
            "archive": archive_sources, "new": new_investigation, "fetch-admin": fetch_admin}


if __name__ == "__main__":
    sys.exit(main())
