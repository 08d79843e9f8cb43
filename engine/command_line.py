"""The command line's commands and options, with examples for each command's --help, and the
checks that refuse a wrong combination before anything is read (build.py parses with this)."""
from __future__ import annotations

import argparse
import ipaddress
from pathlib import Path

from .problems import shown

ROOT = Path(__file__).resolve().parents[1]   # the checkout: build.py, content/, templates/...

USAGE = """Build, check or serve the investigation site from content/, templates/ and static/.

    .venv/bin/python build.py                 validate, then write the site to _site/
    .venv/bin/python build.py check           validate only; exit 1 on any error
    .venv/bin/python build.py serve           build and serve with live reload on 127.0.0.1:8000
    .venv/bin/python build.py schemas         write the JSON Schemas for editors to schemas/
    .venv/bin/python build.py archive         list the sources without an archived copy
    .venv/bin/python build.py new PATH        start a new investigation in PATH, with examples
    .venv/bin/python build.py bundle          write the built site as a reproducible zip and WARC archive
    .venv/bin/python build.py fetch-admin     fetch Decap CMS, the browser editor at /admin/ (16 MB, once)
"""

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
    """The command and its options; a combination that cannot be meant stops here, with exit
    status 2 and what to do instead."""
    parser = _parser()
    args = parser.parse_args(argv)
    args.command = args.command or "build"
    refused = _refusal(args)
    if refused:
        parser.exit(2, f"build.py {args.command}: {refused}\n")
    return args


def _refusal(args: argparse.Namespace) -> str | None:
    if args.quiet and args.verbose:   # one before the command's name, one after it
        return "--quiet and --verbose cannot be used together: keep the one you mean."
    unused = [option for option, default in COMMON_DEFAULTS.items()
              if option in NOT_USED_BY.get(args.command, ()) and getattr(args, option.lstrip("-")) != default]
    if unused:
        return (f"{' and '.join(unused)} would change nothing here: {NOT_USED_BY[args.command][unused[0]]}. "
                f"Leave {'it' if len(unused) == 1 else 'them'} out.")
    if args.command == "serve" and args.host is not None:
        if args.admin:
            return ("--host and --admin cannot be used together: the editor's backend writes to the "
                    "content folder and must never be reachable from the network. Preview on the "
                    "phone with --host alone, and edit with --admin on this machine.")
        if not _is_address(args.host):
            return (f"--host takes an IP address of this machine (such as 192.168.1.20, or 0.0.0.0 "
                    f"for all of them), not {shown(args.host)}.")
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXAMPLES["build"])
    common = [_common_parent()]
    commands = parser.add_subparsers(dest="command",
                                     metavar="{build,check,serve,schemas,archive,bundle,new,fetch-admin}")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, epilog=EXAMPLES[name], parents=common,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    _site_commands(command)
    _tool_commands(command)
    _common(parser, defaults=True)
    parser.add_argument("--out", type=Path, default=ROOT / "_site",
                        help="output folder (default: _site/)")
    parser.add_argument("--workers", type=int, help="processes that render pages "
                        "(default: one per CPU core); the output is the same for any number")
    _deploy_options(parser)
    return parser


def _site_commands(command) -> None:
    """build, check and serve."""
    build = command("build", "validate, then render the site (the default)")
    check = command("check", "validate only, write nothing")
    serve = command("serve", "build, then serve with live reload")
    check.add_argument("--format", choices=("text", "github"), default="text",
                       help="github: also print each problem as a GitHub Actions "
                            "annotation (file, line, column)")
    for sub in (build, serve):
        sub.add_argument("--out", type=Path, default=ROOT / "_site",
                         help="output folder (default: _site/)")
    _deploy_options(build)
    build.add_argument("--workers", type=int, help="processes that render pages "
                       "(default: one per CPU core); the output is the same for any number")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--host", metavar="ADDRESS", default=None,
                       help="listen on this IP address of this machine (or 0.0.0.0 for all "
                            "of them) instead of 127.0.0.1, to preview on a phone on the "
                            "same network; every device on that network can then read the "
                            "site (drafts too with --drafts); not with --admin")
    serve.add_argument("--drafts", action="store_true",
                       help="include drafts and embargoed items (local preview only)")
    serve.add_argument("--admin", action="store_true",
                       help="let /admin/ edit the content folder, through this server "
                            "(needs admin: in site.yaml, and Decap CMS: `make admin` "
                            "fetches it, then runs this)")


def _tool_commands(command) -> None:
    """schemas, archive, new, bundle and fetch-admin."""
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


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
