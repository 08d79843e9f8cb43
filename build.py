#!/usr/bin/env python3
"""Build, check or serve the investigation site from content/, templates/ and static/.

    .venv/bin/python build.py                 validate, then write the site to _site/
    .venv/bin/python build.py check           validate only; exit 1 on any error
    .venv/bin/python build.py serve           build and serve with live reload on 127.0.0.1:8000
    .venv/bin/python build.py schemas         write the JSON Schemas for editors to schemas/
    .venv/bin/python build.py archive         list the sources without an archived copy
    .venv/bin/python build.py new PATH        start a new investigation in PATH, with examples
    .venv/bin/python build.py bundle          write the built site as a reproducible zip and WARC archive
    .venv/bin/python build.py fetch-admin     fetch Decap CMS, the browser editor at /admin/ (16 MB, once)
"""
from __future__ import annotations

import argparse
import os
import sys
from importlib.machinery import PathFinder, SourceFileLoader
from pathlib import Path

ROOT = Path(__file__).resolve().parent


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


sys.meta_path.insert(0, _EngineFinder())   # before the engine is imported

from engine import cache as build_cache  # noqa: E402

EXAMPLES = {
    "build": """examples:
  make build                                     the same as --strict, after creating .venv
  .venv/bin/python build.py                      build into _site/
  .venv/bin/python build.py --strict             fail on warnings too (what CI runs)
  .venv/bin/python build.py --out /tmp/site      build somewhere else
  .venv/bin/python build.py --now 2026-12-01     build as if it were that day (embargoes)""",
    "check": """examples:
  .venv/bin/python build.py check                validate everything, write nothing
  .venv/bin/python build.py check --strict       warnings count as errors
  .venv/bin/python build.py check --format github   also as GitHub annotations on the changed lines""",
    "serve": """examples:
  make serve                                     creates .venv, then the same as serve
  .venv/bin/python build.py serve                http://127.0.0.1:8000/, rebuilds on every save
  .venv/bin/python build.py serve --port 8080
  .venv/bin/python build.py serve --drafts       preview drafts and embargoed items locally
  .venv/bin/python build.py serve --admin        also edit content/ in the browser at /admin/
  .venv/bin/python build.py serve --host 192.168.1.20   preview on a phone on the same network
                                                 (every device there can read the site)""",
    "schemas": """examples:
  .venv/bin/python build.py schemas              rewrite schemas/*.schema.json from engine/schema.py""",
    "archive": """examples:
  .venv/bin/python build.py archive              list sources without an archived copy, and the
                                                 Wayback Machine address that captures each one
  .venv/bin/python build.py archive --check      ask the Wayback Machine which are captured already
                                                 and write each capture into the source's YAML
  .venv/bin/python build.py archive --check --api http://127.0.0.1:8001   use another availability API""",
    "new": """examples:
  .venv/bin/python build.py new ../acme-files --title "The Acme Files"
  .venv/bin/python build.py new ../dossier --title "Le dossier" --language fr
  then:  .venv/bin/python build.py serve --content ../acme-files/content""",
    "bundle": """examples:
  .venv/bin/python build.py bundle               _bundle/<site>-<date>.zip, .manifest.sha256 and .warc.gz
  .venv/bin/python build.py bundle --out /tmp/archive.zip     also /tmp/archive.manifest.sha256, .warc.gz
  .venv/bin/python build.py bundle --now 2026-12-01 --strict  the site as of that day (same bytes every time)
  sha256sum -c MANIFEST.sha256                   inside the unzipped folder: check every file""",
    "fetch-admin": """examples:
  make admin-files                               the same, after creating .venv
  .venv/bin/python build.py fetch-admin          Decap CMS into .cache/vendor/, if site.yaml has admin:
  .venv/bin/python build.py fetch-admin --registry https://npm.example.org/   from a mirror
                                                 (the file is checked against the same SHA-512)""",
}


COMMON_DEFAULTS = {"--content": ROOT / "content", "--overrides": ROOT / "overrides", "--now": None,
                   "--strict": False}
# The common options a command has no use for, and why: refused rather than silently ignored.
_FROM_ENGINE = "the schemas come from the engine, not from the content"
_NEW = "a new investigation is written to the PATH given, from the engine's examples"
NOT_USED_BY = {
    "schemas": dict.fromkeys(COMMON_DEFAULTS, _FROM_ENGINE),
    "new": dict.fromkeys(COMMON_DEFAULTS, _NEW),
    "fetch-admin": {option: "it only reads site.yaml's admin setting"
                    for option in ("--overrides", "--now", "--strict")},
}


def _common(parser: argparse.ArgumentParser, defaults: bool):
    """The options every command accepts, before or after its name. The subcommands' copies
    default to SUPPRESS, so `build.py --strict check` keeps the value given before `check`."""
    def default(value):
        return value if defaults else argparse.SUPPRESS
    parser.add_argument("--content", type=Path, default=default(ROOT / "content"),
                        help="the content folder (default: content/)")
    parser.add_argument("--overrides", type=Path, default=default(ROOT / "overrides"),
                        help="templates and static files that replace the defaults "
                             "(default: overrides/)")
    parser.add_argument("--now", metavar="YYYY-MM-DD", default=default(None),
                        help="the build's reference date for embargoes (default: "
                             "SOURCE_DATE_EPOCH, else today in the site's time zone)")
    parser.add_argument("--strict", action="store_true", default=default(False),
                        help="treat warnings as errors")
    loud = parser.add_mutually_exclusive_group()
    loud.add_argument("--quiet", action="store_true", default=default(False),
                      help="print only errors: no progress, no summary")
    loud.add_argument("--verbose", action="store_true", default=default(False),
                      help="also list the notices (sources with no archived copy)")


def _common_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    _common(parent, defaults=False)
    return parent


def _deploy_options(parser: argparse.ArgumentParser):
    parser.add_argument("--base-url", metavar="URL",
                        help="build for another address than site.yaml's base_url (e.g. a GitHub "
                             "Pages project: https://newsroom.github.io/investigation/)")
    parser.add_argument("--csp-meta", action="store_true",
                        help="put netlify.toml's Content Security Policy in each page's <meta>, "
                             "for hosts that send no headers (GitHub Pages)")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXAMPLES["build"])
    common = [_common_parent()]
    commands = parser.add_subparsers(dest="command",
                                     metavar="{build,check,serve,schemas,archive,bundle,new,fetch-admin}")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, epilog=EXAMPLES[name], parents=common,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)

    for name, help_text in (("build", "validate, then render the site (the default)"),
                            ("check", "validate only, write nothing"),
                            ("serve", "build, then serve with live reload")):
        sub = command(name, help_text)
        if name == "check":
            sub.add_argument("--format", choices=("text", "github"), default="text",
                             help="github: also print each problem as a GitHub Actions "
                                  "annotation (file, line, column)")
        if name in ("build", "serve"):
            sub.add_argument("--out", type=Path, default=ROOT / "_site",
                             help="output folder (default: _site/)")
        if name == "build":
            _deploy_options(sub)
            sub.add_argument("--workers", type=int, help="processes that render pages "
                             "(default: one per CPU core); the output is the same for any number")
        if name == "serve":
            sub.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
            sub.add_argument("--host", metavar="ADDRESS", default=None,
                             help="listen on this IP address of this machine (or 0.0.0.0 for all "
                                  "of them) instead of 127.0.0.1, to preview on a phone on the "
                                  "same network; every device on that network can then read the "
                                  "site (drafts too with --drafts); not with --admin")
            sub.add_argument("--drafts", action="store_true",
                             help="include drafts and embargoed items (local preview only)")
            sub.add_argument("--admin", action="store_true",
                             help="let /admin/ edit the content folder, through this server "
                                  "(needs admin: in site.yaml, and Decap CMS: `make admin` "
                                  "fetches it, then runs this)")
    command("schemas", "write the JSON Schemas for editors' YAML plugins")
    archive = command("archive", "list sources without an archived copy; --check asks the Wayback Machine")
    archive.add_argument("--check", action="store_true",
                         help="query the Wayback Machine's availability API (the network is used "
                              "only with this flag) and write the captures found into the YAML; "
                              "Ctrl+C keeps the answers received and the next run asks only about "
                              "the rest; stops within seconds, with exit status 3, when the "
                              "service cannot be reached; --quiet prints only the summary and "
                              "errors, not a line per source")
    archive.add_argument("--api", default="https://archive.org",
                         help="base URL of the availability API (default: https://archive.org)")
    new = command("new", "start a new investigation: site.yaml, fictional examples, a reporters' guide")
    new.add_argument("path", type=Path, help="a folder that does not exist yet, or is empty")
    new.add_argument("--title", required=True, help="the site's title")
    new.add_argument("--language", default="en", help="the site's language: en, fr, ar… (default: en)")
    bundle = command("bundle", "archive the built site: a zip with a SHA-256 manifest, and a WARC file")
    bundle.add_argument("--out", type=Path, default=ROOT / "_bundle",
                        help="a folder, or a file name ending in .zip (default: _bundle/)")
    fetch = command("fetch-admin", "fetch Decap CMS for /admin/ from npm, pinned by its SHA-512")
    fetch.add_argument("--registry", default=None,
                       help="an npm registry or mirror (default: NPM_CONFIG_REGISTRY, else "
                            "https://registry.npmjs.org/); whatever it sends must match the pinned hash")
    fetch.add_argument("--always", action="store_true",
                       help="fetch it even when site.yaml has no admin: (the engine's tests need it)")
    _common(parser, defaults=True)
    parser.add_argument("--out", type=Path, default=ROOT / "_site",
                        help="output folder (default: _site/)")
    parser.add_argument("--workers", type=int, help="processes that render pages "
                        "(default: one per CPU core); the output is the same for any number")
    _deploy_options(parser)
    args = parser.parse_args(argv)
    args.command = args.command or "build"
    if args.quiet and args.verbose:   # one before the command's name, one after it
        parser.exit(2, f"build.py {args.command}: --quiet and --verbose cannot be used together: "
                       "keep the one you mean.\n")
    unused = [option for option, default in COMMON_DEFAULTS.items()
              if option in NOT_USED_BY.get(args.command, ()) and getattr(args, option.lstrip("-")) != default]
    if unused:
        parser.exit(2, f"build.py {args.command}: {' and '.join(unused)} would change nothing here: "
                       f"{NOT_USED_BY[args.command][unused[0]]}. Leave "
                       f"{'it' if len(unused) == 1 else 'them'} out.\n")
    if args.command == "serve" and args.host is not None:
        if args.admin:
            parser.exit(2, "build.py serve: --host and --admin cannot be used together: the "
                           "editor's backend writes to the content folder and must never be "
                           "reachable from the network. Preview on the phone with --host alone, "
                           "and edit with --admin on this machine.\n")
        if not _is_address(args.host):
            parser.exit(2, f"build.py serve: --host takes an IP address of this machine (such "
                           f"as 192.168.1.20, or 0.0.0.0 for all of them), not "
                           f"{shown(args.host)}.\n")
    return args


def _is_address(text: str) -> bool:
    import ipaddress
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def shown(value: str) -> str:
    from engine.problems import shown as quoted
    return quoted(value)


def build_folders(args) -> list[Path]:
    """Everything a build reads besides the engine: content, then templates and static files
    (the newsroom's overrides first)."""
    overrides = args.overrides.resolve()
    return [args.content.resolve(), overrides / "templates", ROOT / "templates",
            overrides / "static", ROOT / "static"]


def main(argv: list[str] | None = None) -> int:
    from engine import outfolder
    args = parse_args(sys.argv[1:] if argv is None else argv)
    out = None
    try:
        if args.command in ("build", "serve", "bundle"):
            out = checked_out(args)
        if args.command in ("build", "serve"):
            with outfolder.locked(out, args.command):
                return run(args, out)
        return run(args, out)
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
    from engine import outfolder
    if args.command == "bundle":   # a folder, or a .zip beside which the other files go
        folder = args.out.parent if args.out.suffix == ".zip" else args.out
        real = outfolder.check_location(folder, ROOT, args.content, args.overrides, bundle=True,
                                        shown_as=args.out)
        return real / args.out.name if args.out.suffix == ".zip" else real
    out = outfolder.check_location(args.out, ROOT, args.content, args.overrides)
    outfolder.check_replaceable(out, given=args.out)
    return out


def run(args, out: Path | None) -> int:
    """--quiet: only errors (on stderr); the summary on stdout goes, except archive's (its
    --quiet drops the line per source), the dev server's
    address and check's GitHub annotations, which are what those commands are for."""
    if args.quiet and args.command not in ("serve", "archive") and getattr(args, "format", "text") == "text":
        import contextlib
        import io
        with contextlib.redirect_stdout(io.StringIO()):
            return _run(args, out)
    return _run(args, out)


def _run(args, out: Path | None) -> int:
    inputs = None
    if args.command == "build":
        # checked before the rest of the engine is even imported, so a no-op costs next to nothing
        from engine.decap_bundle import location as decap_location
        inputs = build_cache.skip_if_unchanged(ROOT / ".cache", build_folders(args) + [ROOT / "netlify.toml",
                                               decap_location(ROOT)],
                                               out, args.now, args.strict, False,
                                               extra={"base_url": args.base_url, "csp_meta": args.csp_meta})
        if inputs is None:
            from engine.outfolder import remove_stale_staging
            remove_stale_staging(out)   # what builds killed since the last good one left
            return 0
    if args.command == "new":
        return new_investigation(args)
    if args.command == "fetch-admin":
        return fetch_admin(args)
    from engine import pipeline
    from engine.progress import Progress
    if args.command == "schemas":
        for name in pipeline.write_schemas(ROOT / "schemas"):
            print(f"wrote schemas/{name}")
        return 0
    paths = pipeline.Paths(root=ROOT, content=args.content.resolve(),
                           overrides=args.overrides.resolve())
    if args.command == "check":
        return pipeline.check(paths, now=args.now, strict=args.strict, format=args.format,
                              verbose=args.verbose)
    if args.command == "archive":
        return archive_sources(paths, args)
    if args.command == "bundle":
        from engine import bundle
        return bundle.run(paths, out=out, now=args.now, strict=args.strict,
                          progress=Progress(quiet=args.quiet))
    if args.command == "serve":
        from engine import serve
        return serve.serve(paths, out=out, port=args.port, now=args.now,
                           drafts=args.drafts, admin=args.admin, verbose=args.verbose,
                           host=args.host, strict=args.strict)
    return pipeline.build(paths, out=out, now=args.now, strict=args.strict,
                          workers=args.workers, cache=ROOT / ".cache", inputs=inputs,
                          deploy=pipeline.Deploy(args.base_url, args.csp_meta), verbose=args.verbose,
                          progress=Progress(quiet=args.quiet))


def new_investigation(args) -> int:
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


def fetch_admin(args) -> int:
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


def archive_sources(paths, args) -> int:
    """`build.py archive`: drafts included, since they will need an archived copy too."""
    from engine import archive, pipeline
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


if __name__ == "__main__":
    sys.exit(main())
