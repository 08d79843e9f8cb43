"""Runs of eight or more words our content shares, unquoted, with the articles it started from.

Facts carry over from the seed articles and the research dossier; sentences do not. This lists
every run of RUN or more consecutive words that a text of ours shares with one of them, outside
quotation marks, source titles and the other fields house style leaves alone (a quote, an
outlet's name, an address), so that an editor can reword it or quote and attribute it.

    .venv/bin/python scripts/shared_runs.py [CONTENT] [SOURCES]

CONTENT defaults to content/, SOURCES to ../shared/sources/ beside the checkout.
tests/test_originality.py holds the real content to it.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from engine.house_style import NOT_OURS_BY_KIND, QUOTED, texts  # noqa: E402
from engine.load import load_yaml  # noqa: E402
from engine.problems import Problems  # noqa: E402

RUN = 8
WORD = re.compile(r"[0-9a-z]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("’", "'").replace("‘", "'"))


def segments(text: str) -> list[list[str]]:
    """The text's words, broken where a quotation was taken out (a run may not bridge it)."""
    return [words(part) for part in QUOTED.split(text)]


def shingles(word_list: list[str]) -> set[tuple[str, ...]]:
    return {tuple(word_list[i:i + RUN]) for i in range(len(word_list) - RUN + 1)}


def seed_shingles(sources: Path) -> set[tuple[str, ...]]:
    seen: set[tuple[str, ...]] = set()
    for path in sorted(sources.iterdir()):
        if path.suffix in (".txt", ".md") and path.name != "README.md":
            seen |= shingles(words(path.read_text("utf-8")))
    return seen


def our_texts(content: Path):
    """(file, text) for every text the newsroom wrote: YAML fields and Markdown pages."""
    for path in sorted(content.rglob("*")):
        if path.suffix == ".md":
            yield path, path.read_text("utf-8")
        elif path.suffix in (".yaml", ".yml"):
            kind = path.parent.name
            # the engine's loader: content is untrusted (no aliases, no tags, a size limit)
            problems = Problems(content.parent)
            doc = load_yaml(path, problems)
            if doc is None:
                raise SystemExit("\n".join(map(str, problems.items)) or f"{path}: cannot be read")
            data = doc.data
            skip = frozenset(NOT_OURS_BY_KIND.get(kind, ()))
            for _, text in texts(data, skip=skip):
                yield path, text


def shared_runs(content: Path, sources: Path) -> list[tuple[Path, str]]:
    """Each maximal run of RUN or more words shared with a seed text, with its file."""
    seen = seed_shingles(sources)
    runs = []
    for path, text in our_texts(content):
        for segment in segments(text):
            start = None
            for i in range(len(segment) - RUN + 2):
                hit = i <= len(segment) - RUN and tuple(segment[i:i + RUN]) in seen
                if hit and start is None:
                    start = i
                elif not hit and start is not None:
                    runs.append((path, " ".join(segment[start:i - 1 + RUN])))
                    start = None
    return runs


def main(argv: list[str]) -> int:
    content = Path(argv[0]) if argv else ROOT / "content"
    sources = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "sources"
    runs = shared_runs(content, sources)
    for path, run in runs:
        print(f"{path.relative_to(content.parent) if path.is_relative_to(content.parent) else path}: {run}")
    print(f"{len(runs)} runs of {RUN} or more words shared, unquoted, with {sources}")
    return 1 if runs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
