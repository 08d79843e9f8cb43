"""`build.py new PATH`: a fresh investigation to start from. PATH gets a content/ folder (site.yaml
with the vocabularies, one fictional example of each kind of item), the JSON Schemas for editors'
YAML plugins and a CONTRIBUTING.md for its reporters. The engine stays in this repository: the new
site is built with `build.py --content PATH/content`, so a newsroom's fork keeps one engine for
every investigation it runs and gets the engine's fixes by merging upstream."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from string import Template

from .pipeline import write_schemas

FILES = Path(__file__).parent / "scaffold_files"
# site.<lang>.yaml and content.<lang>/ hold the vocabulary and the examples translated (content/ is
# the English); other languages start from the English examples. A test keeps the copies in step.
TRANSLATED = ("en", "fr", "ar")


class ScaffoldError(Exception):
    """Why PATH cannot receive a new investigation; said to the editor as it is."""


def create(path: Path, title: str, language: str = "en") -> list[Path]:
    """Writes the new investigation into `path` (missing or empty) and returns the files made."""
    if path.exists() and not path.is_dir():
        raise ScaffoldError(f"{path} is a file: give the path of a new or empty folder")
    if path.is_dir() and any(path.iterdir()):
        raise ScaffoldError(f"{path} is not empty: give the path of a new or empty folder, "
                            "so nothing of yours is overwritten")
    if not title.strip():
        raise ScaffoldError('the title is empty: give one with --title "The Example Files"')
    base = language.split("-")[0]
    translation = base if base in TRANSLATED else "en"
    values = {"title": json.dumps(title.strip(), ensure_ascii=False),   # a quoted YAML string
              "language": json.dumps(language), "content": str(path / "content")}
    written: list[Path] = []
    content = path / "content"
    shutil.copytree(FILES / ("content" if translation == "en" else f"content.{translation}"), content)
    written += sorted(p for p in content.rglob("*") if p.is_file())
    site = (FILES / f"site.{translation}.yaml").read_text("utf-8")
    (content / "site.yaml").write_text(Template(site).safe_substitute(values), "utf-8")
    guide = (FILES / "CONTRIBUTING.md").read_text("utf-8")
    (path / "CONTRIBUTING.md").write_text(
        Template(guide).safe_substitute(values, title=title.strip()), "utf-8")
    written += [content / "site.yaml", path / "CONTRIBUTING.md"]
    # the examples' `$schema` lines point at ../schemas/ (site.yaml) and ../../schemas/ (items)
    written += [path / "schemas" / name for name in write_schemas(path / "schemas")]
    return written
