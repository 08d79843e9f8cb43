"""Facts carry over from the seed articles and the research dossier; sentences do not (issue 17).

scripts/shared_runs.py finds every run of eight or more words a text of ours shares, outside
quotation marks and the fields that are someone else's words, with ../shared/sources/."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from conftest import ROOT
from test_evidence import read

SEEDS = ROOT.parent / "shared" / "sources"
_spec = importlib.util.spec_from_file_location("shared_runs", ROOT / "scripts" / "shared_runs.py")
shared_runs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shared_runs)

SEED = ("SenseTime, the Beijing company, raised six hundred million dollars from a group of "
        "investors led by Alibaba in the spring.")


def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "000_seed.txt").write_text(SEED, encoding="utf-8")
    (folder / "README.md").write_text(SEED, encoding="utf-8")   # the folder's own notes: not a seed
    return folder


def content_with(tmp_path: Path, **files: str) -> Path:
    content = tmp_path / "content"
    for name, text in files.items():
        path = content / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content


def test_the_real_content_shares_no_unquoted_run_of_eight_words_with_the_seeds():
    assert SEEDS.is_dir(), f"the seed articles belong beside the checkout, at {SEEDS}"
    runs = shared_runs.shared_runs(ROOT / "content", SEEDS)
    assert runs == [], "reword these, or quote and attribute them:\n" + "\n".join(
        f"{path.relative_to(ROOT)}: {run}" for path, run in runs)


def test_a_copied_run_is_found_in_markdown_and_yaml_with_its_file(tmp_path):
    content = content_with(
        tmp_path,
        **{"pages__story.md": "As reported, it raised six hundred million dollars from a group of investors.\n",
           "claims__round.yaml": "statement: >-\n  The company raised six hundred million\n  dollars from a group of investors led by Alibaba.\n"})
    runs = shared_runs.shared_runs(content, seeds(tmp_path))
    assert runs == [
        (content / "claims/round.yaml", "company raised six hundred million dollars from a group of investors led by alibaba"),
        (content / "pages/story.md", "raised six hundred million dollars from a group of investors"),
    ]


def test_quoted_words_titles_and_quote_fields_are_not_counted_and_a_run_does_not_bridge_a_quote(tmp_path):
    content = content_with(tmp_path, **{
        "pages__story.md": 'The filing said it "raised six hundred million dollars from a group\nof investors led by Alibaba".\n',
        "claims__round.yaml": ("statement: A round of $600m.\nsources:\n  - source: seed\n    stance: supports\n"
                               "    quote: raised six hundred million dollars from a group of investors\n"),
        "sources__seed.yaml": "title: SenseTime raised six hundred million dollars from a group of investors\n",
        "pages__other.md": 'It raised six hundred "million" dollars from a group of investors.\n',
    })
    assert shared_runs.shared_runs(content, seeds(tmp_path)) == []


def test_seven_shared_words_are_not_a_run(tmp_path):
    content = content_with(tmp_path, **{"pages__story.md": "They raised six hundred million dollars from a bank.\n"})
    assert shared_runs.shared_runs(content, seeds(tmp_path)) == []


# The seed articles on disk, by the id of the source that cites them.
SEED_OF_SOURCE = {"epeak-spun-blog": "000", "verge-most-valuable-ai-startup": "001",
                  "investmentdata-repost-techcrunch": "002", "mittr-download-most-valuable": "003",
                  "ie-largest-ai-funding-round": "004",
                  # its original was not found; everything taken from it is read in the repost
                  "techcrunch-sensetime-raises-600m": "002"}


def _plain(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split()).lower()


def test_every_quote_from_a_seed_article_is_in_it_word_for_word():
    """Quotations are exactly as published: each `quote` the claims take from a seed article is
    found in that article (curly and straight quotation marks, spacing and case aside)."""
    seeds = {source: _plain(next(SEEDS.glob(f"{prefix}_*.txt")).read_text("utf-8"))
             for source, prefix in SEED_OF_SOURCE.items()}
    checked, missing = 0, []
    for path in sorted((ROOT / "content" / "claims").glob("*.yaml")):
        for cited in read(path).get("sources", []):
            if cited["source"] in seeds and cited.get("quote"):
                checked += 1
                if _plain(cited["quote"]) not in seeds[cited["source"]]:
                    missing.append(f"{path.name}: {cited['source']}: {cited['quote']!r}")
    assert checked >= 90 and missing == []
