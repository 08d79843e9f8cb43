"""The interface string table: one YAML file per language in engine/translations/, with the
site's own overrides from site.yaml on top. Used for page titles (model) and templates (render)."""
from __future__ import annotations

import functools
from pathlib import Path

import yaml

TRANSLATIONS = Path(__file__).parent / "translations"


@functools.cache
def _table(language: str) -> dict[str, str]:
    table: dict[str, str] = yaml.safe_load((TRANSLATIONS / "en.yaml").read_text("utf-8"))
    for candidate in (language.split("-")[0], language):
        path = TRANSLATIONS / f"{candidate}.yaml"
        if path.is_file() and candidate != "en":
            table.update(yaml.safe_load(path.read_text("utf-8")))
    return table


def strings_for(site) -> dict[str, str]:
    """Every interface string for a site: its language's table, then its own overrides."""
    return {**_table(site.language), **site.strings}
