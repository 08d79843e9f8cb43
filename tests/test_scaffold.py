"""`build.py new`: a fresh investigation that builds with --strict at once, in English, French and
Arabic; nothing of the real content leaks into it; every translation has every key; the theme
variables are validated and reach the pages as a generated stylesheet."""
from __future__ import annotations

import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from playwright.sync_api import sync_playwright

from browser import ARGS, chromium_path
from conftest import ROOT, build, page, paths_for, problems_of
from engine import scaffold, theme
from engine.strings import CATEGORIES
from site_server import serve
from test_validity import axe_violations, every_page

TRANSLATIONS = ROOT / "engine" / "translations"
ENGLISH = yaml.safe_load((TRANSLATIONS / "en.yaml").read_text("utf-8"))


def new(path: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "new", str(path), *options],
                          capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def scaffolds(tmp_path_factory) -> dict[str, Path]:
    """The scaffold in each language, made by the command and built with --strict."""
    built = {}
    for language in ("en", "fr", "ar"):
        folder = tmp_path_factory.mktemp(f"new-{language}") / "investigation"
        made = new(folder, "--title", "The Example Files", "--language", language)
        assert made.returncode == 0, made.stderr
        result = build(folder / "content", folder / "_site", strict=True)
        assert result.ok, "\n".join(map(str, result.failures))
        assert not result.problems.warnings, result.problems.warnings
        built[language] = folder
    return built


# --- the command ---------------------------------------------------------------------------------

def test_new_writes_one_example_of_each_kind_and_a_guide(scaffolds):
    folder = scaffolds["en"]
    content = folder / "content"
    for kind, count in (("sources", 2), ("claims", 1), ("timelines", 1), ("events", 3),
                        ("entities", 2), ("corrections", 1)):
        assert len(list((content / kind).glob("*.yaml"))) == count, kind
    assert list((content / "pages").glob("*.md"))
    assert (folder / "schemas" / "claim.schema.json").is_file()
    guide = (folder / "CONTRIBUTING.md").read_text("utf-8")
    assert "The Example Files" in guide and f"check --content {content}" in guide
    claim = yaml.safe_load((content / "claims" / "example-corp-valuation.yaml").read_text("utf-8"))
    figures = [entry["figure"]["value"] for entry in claim["sources"]]
    assert len({entry["source"] for entry in claim["sources"]}) == 2 and len(set(figures)) == 2
    entity_pages = page(folder / "_site", "entities/example-fund/")
    assert entity_pages.find("a", href="/entities/example-corp/")
    site = yaml.safe_load((content / "site.yaml").read_text("utf-8"))
    assert site["title"] == "The Example Files" and site["language"] == "en"


def test_every_example_address_is_reserved_for_examples(scaffolds):
    text = "\n".join(p.read_text("utf-8") for p in (scaffolds["en"] / "content").rglob("*.*"))
    hosts = set(re.findall(r"https?://([^/\s]+)", text))
    allowed = re.compile(r"^([a-z0-9-]+\.)*example\.org$|^web\.archive\.org$|^creativecommons\.org$")
    assert hosts and all(allowed.match(host) for host in hosts), hosts


@pytest.mark.parametrize("existing", ["a file", "a folder with something in it"])
def test_new_refuses_a_path_that_is_not_new_or_empty(tmp_path, existing):
    target = tmp_path / "taken"
    if existing == "a file":
        target.write_text("mine")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    made = new(target, "--title", "T")
    assert made.returncode == 2
    assert "new or empty folder" in made.stderr and "Traceback" not in made.stderr
    assert (target.read_text() if target.is_file() else (target / "notes.txt").read_text()) == "mine"


def test_new_accepts_an_empty_folder(tmp_path):
    assert new(tmp_path, "--title", "T").returncode == 0
    assert (tmp_path / "content" / "site.yaml").is_file()


# --- nothing of the real investigation -----------------------------------------------------------

def real_names_and_ids() -> tuple[set[str], set[str]]:
    """Entity names and aliases and source outlets (matched as words), and item addresses
    ("claims/<id>") and hyphenated ids (matched as ids) of the real content."""
    content = ROOT / "content"
    names: set[str] = set()
    for path in (content / "entities").glob("*.yaml"):
        data = yaml.safe_load(path.read_text("utf-8"))
        names |= {data["name"], *data.get("aliases", [])}
    for path in (content / "sources").glob("*.yaml"):
        names.add(yaml.safe_load(path.read_text("utf-8"))["outlet"])
    ids: set[str] = set()
    for kind in ("sources", "claims", "timelines", "events", "entities", "corrections"):
        for path in (content / kind).glob("*.yaml"):
            ids.add(f"{kind}/{path.stem}")
            if "-" in path.stem:
                ids.add(path.stem)
    return names, ids


@pytest.mark.long
def test_the_scaffold_shows_nothing_of_the_real_content(scaffolds):
    names, ids = real_names_and_ids()
    assert {"SenseTime", "Alibaba"} <= names and "claims/valuation-april-2018" in ids
    patterns = [re.compile(r"(?<![\w])" + re.escape(name) + r"(?![\w])") for name in names] + \
               [re.compile(r"(?<![a-z0-9-])" + re.escape(item) + r"(?![a-z0-9-])") for item in ids]
    found = set()
    for language, folder in scaffolds.items():
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "schemas" not in p.parts):
            text = path.read_bytes().decode("utf-8", "replace")
            found |= {(language, path.name, pattern.pattern) for pattern in patterns
                      if pattern.search(text)}
    assert found == set()


def test_engine_templates_and_static_files_name_no_real_entity():
    names = {"SenseTime", "sensetime", "Alibaba", "Megvii", "Xinjiang", "Uyghur", "Hong Kong"}
    folders = [ROOT / "engine", ROOT / "templates", ROOT / "static"]
    found = [(path.relative_to(ROOT).as_posix(), name)
             for folder in folders for path in sorted(folder.rglob("*"))
             if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".ttf"
             for name in names if name in path.read_bytes().decode("utf-8", "replace")]
    assert found == []


# --- translations ----------------------------------------------------------------------------------

def placeholders(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name)


def forms(value) -> dict[str, str]:
    """A translation's forms by CLDR plural category; a plain string is its "other" form."""
    return value if isinstance(value, dict) else {"other": value}


@pytest.mark.parametrize("language", sorted(p.stem for p in TRANSLATIONS.glob("*.yaml")))
def test_each_translation_has_every_key_and_the_same_placeholders(language):
    """Every key, each text non-empty; plural forms named by CLDR category, "other" always
    there with the English placeholders (a form for one count may leave {n} out: "حدث واحد")."""
    table = yaml.safe_load((TRANSLATIONS / f"{language}.yaml").read_text("utf-8"))
    assert set(table) == set(ENGLISH)
    assert all(isinstance(text, str) and text.strip()
               for value in table.values() for text in forms(value).values())
    assert all(set(forms(value)) <= set(CATEGORIES) and "other" in forms(value)
               for value in table.values())
    english = {key: set(placeholders(forms(value)["other"])) for key, value in ENGLISH.items()}
    wrong = {key for key, value in table.items()
             if set(placeholders(forms(value)["other"])) != english[key]
             or any(not set(placeholders(text)) <= english[key] for text in forms(value).values())}
    assert wrong == set()


def visible_text(soup: BeautifulSoup) -> list[str]:
    """Each text node and each label a screen reader reads (aria-label, alt, title); not code
    (the open-data page names the files' fields, which are the same in every language)."""
    for hidden in soup(["script", "style", "code"]):
        hidden.decompose()
    texts = [text.strip() for text in soup.find_all(string=True) if text.strip()]
    texts += [tag[attribute] for attribute in ("aria-label", "alt", "title")
              for tag in soup.find_all(attrs={attribute: True})]
    texts += [tag["content"] for tag in soup.find_all("meta", attrs={"name": "description"})]
    return texts


def english_patterns(language: str) -> dict[str, re.Pattern]:
    """An English interface string, filled in, matches its pattern; only strings the language
    translates differently, with at least two words of their own, are distinctive enough."""
    table = yaml.safe_load((TRANSLATIONS / f"{language}.yaml").read_text("utf-8"))
    chosen = {}
    for key, value in ENGLISH.items():
        for category, text in forms(value).items():
            literal = re.split(r"\{[a-z_]+\}", text)
            if table[key] == value or (placeholders(text) and len(re.findall(r"[A-Za-z]{2,}", " ".join(literal))) < 2):
                continue
            name = key if category == "other" else f"{key}.{category}"
            chosen[name] = re.compile(r".+?".join(re.escape(part) for part in literal), re.S)
    return chosen


@pytest.mark.parametrize("language, direction, month", [("fr", "ltr", "mars 2024"),
                                                         ("ar", "rtl", "مارس 2024")])
def test_a_site_in_another_language_reads_in_it(scaffolds, language, direction, month):
    site = scaffolds[language] / "_site"
    home = page(site, "")
    assert home.html["lang"] == language and home.html["dir"] == direction
    claim = page(site, "claims/example-corp-valuation/")
    assert month in claim.get_text()
    timeline = page(site, "timelines/money/").get_text()
    around = yaml.safe_load((TRANSLATIONS / f"{language}.yaml").read_text("utf-8"))["around"]
    assert around.format(date="2020") in timeline
    patterns = english_patterns(language)
    assert "last_updated" in patterns and "claim_description" in patterns
    left = set()
    for path in sorted(site.rglob("*.html")):
        for text in visible_text(BeautifulSoup(path.read_text("utf-8"), "html.parser")):
            left |= {(path.relative_to(site).as_posix(), key, text)
                     for key, pattern in patterns.items() if pattern.fullmatch(text)}
    assert left == set()


def test_the_english_check_finds_an_untranslated_string(scaffolds, tmp_path):
    """The check above can fail: a site that puts English back in is caught."""
    content = scaffolds["fr"] / "content"
    site = yaml.safe_load((content / "site.yaml").read_text("utf-8"))
    patterns = english_patterns("fr")
    assert patterns["last_updated"].fullmatch(ENGLISH["last_updated"])
    assert patterns["claim_description"].fullmatch("Contesté: X. Claimed by Y.")
    assert site["language"] == "fr"


# --- theme ------------------------------------------------------------------------------------------

def test_style_css_backgrounds_are_the_ones_the_contrast_check_uses():
    css = (ROOT / "static" / "style.css").read_text("utf-8")
    light, dark = css.split("@media (prefers-color-scheme: dark)")[:2]
    for mode, block in (("light", light), ("dark", dark)):
        for name, colour in theme.BACKGROUNDS[mode].items():
            assert f"--{name}: {colour};" in block, (mode, name)


def test_the_theme_stylesheet_is_fingerprinted_and_linked(scaffolds):
    site = scaffolds["en"] / "_site"
    sheets = list((site / "assets").glob("theme.*.css"))
    assert len(sheets) == 1
    css = sheets[0].read_text("utf-8")
    assert ":root { --accent: #0b5394; }" in css
    assert "@media (prefers-color-scheme: dark) { :root { --accent: #8cc4ff; } }" in css
    links = [link["href"] for link in page(site, "").find_all("link", rel="stylesheet")]
    assert links[-1] == f"/assets/{sheets[0].name}" and links[0].startswith("/assets/style.")
    assert "style=" not in (site / "index.html").read_text("utf-8")


def set_theme(content: Path, lines: str) -> None:
    site = (content / "site.yaml").read_text("utf-8")
    site = re.sub(r"^theme:\n(  .*\n)+", "theme:\n" + lines, site, flags=re.M)
    (content / "site.yaml").write_text(site, "utf-8")


@pytest.fixture
def fresh(tmp_path) -> Path:
    scaffold.create(tmp_path / "new", "The Example Files")
    return tmp_path / "new" / "content"


def line_of(content: Path, needle: str) -> int:
    return next(number for number, line in enumerate((content / "site.yaml").read_text("utf-8")
                                                    .splitlines(), 1) if needle in line)


def test_a_colour_too_pale_for_the_light_theme_is_an_error_at_its_line(fresh):
    set_theme(fresh, '  accent: "#ffcc00"\n')
    line = line_of(fresh, "#ffcc00")
    [problem] = problems_of(fresh)
    assert problem.startswith(f"content/site.yaml:{line}:11: theme.accent: #ffcc00 on the light "
                              "theme's paper colour #fdfcf9 has a contrast of ")
    assert "below the 4.5:1 WCAG AA needs" in problem and "choose a darker colour" in problem


def test_a_colour_too_dark_for_the_dark_theme_is_an_error(fresh):
    set_theme(fresh, '  accent_dark: "#0b5394"\n')
    [problem] = problems_of(fresh)
    assert f"site.yaml:{line_of(fresh, '  accent_dark:')}:16: theme.accent_dark: #0b5394 on the dark" in problem
    assert "choose a lighter colour" in problem


def test_a_colour_must_be_hex(fresh):
    set_theme(fresh, "  accent: navy\n")
    [problem] = problems_of(fresh)
    assert '"navy" is not a colour: write it as hex in quotes' in problem


def test_a_logo_must_exist_and_is_shown_with_the_title_as_alt(fresh, tmp_path):
    set_theme(fresh, "  logo: logo.svg\n")
    [problem] = problems_of(fresh)
    assert f"site.yaml:{line_of(fresh, '  logo:')}:9:" in problem and 'no file "logo.svg"' in problem
    overrides = fresh.parent / "overrides" / "static"   # conftest's paths_for: content/../overrides
    overrides.mkdir(parents=True)
    (overrides / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>')
    assert problems_of(fresh) == []
    result = build(fresh, tmp_path / "_site", strict=True)
    assert result.ok, result.failures
    logo = page(tmp_path / "_site", "").select_one(".site-title img")
    assert logo["src"] == "/static/logo.svg" and logo["alt"] == "The Example Files"
    css = next((tmp_path / "_site" / "assets").glob("theme.*.css")).read_text("utf-8")
    assert ".site-logo {" in css and "--accent" not in css


def test_contrast_matches_the_wcag_formula():
    assert theme.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert theme.contrast("#777", "#fff") == pytest.approx(4.48, abs=0.01)


# --- in the browser: axe stays clean, and Arabic mirrors ---------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "ar"])
def test_axe_finds_no_violation_on_the_scaffold(scaffolds, language):
    site = scaffolds[language] / "_site"
    assert axe_violations(site, every_page(site)) == {}


@pytest.mark.browser
def test_arabic_pages_mirror_on_a_phone(scaffolds):
    """Right to left: the title starts at the right edge, a source's rule is on its right."""
    server, base = serve(scaffolds["ar"] / "_site")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
            tab = browser.new_page(viewport={"width": 390, "height": 900})
            tab.goto(base + "claims/example-corp-valuation/")
            title = tab.locator(".site-title a").bounding_box()
            assert title["x"] + title["width"] == pytest.approx(390 - 16, abs=2)
            row = tab.locator(".source-row").first
            assert row.evaluate("e => getComputedStyle(e).borderRightWidth") == "4px"
            assert row.evaluate("e => getComputedStyle(e).borderLeftWidth") == "0px"
            assert tab.evaluate("document.documentElement.scrollWidth") <= 390
            browser.close()
    finally:
        server.shutdown()


# --- the dev server ----------------------------------------------------------------------------------

def test_the_dev_server_keeps_the_theme_through_edits(tmp_path):
    """theme.css is made from site.yaml: after a static file edit (which reloads the static files),
    a theme change and a claim edit, the dev build equals a clean build."""
    from conftest import DevBuild
    from conftest import build_site
    from test_incremental import replace, write

    scaffold.create(tmp_path / "new", "The Example Files")
    content = tmp_path / "new" / "content"
    overrides = tmp_path / "new" / "overrides"
    paths = paths_for(content, overrides)
    dev = DevBuild(paths, tmp_path / "dev", "2026-11-23")
    assert dev.update().ok
    steps = [lambda: write(overrides / "static" / "extra.css", "p { color: inherit; }\n"),
             lambda: replace(content / "site.yaml", '#0b5394', '#1a4d80'),
             lambda: replace(content / "claims" / "example-corp-valuation.yaml", "$150 million.",
                             "$150 million, a wire said.")]
    for n, step in enumerate(steps):
        step()
        assert dev.update().ok
        clean = build_site(paths, tmp_path / f"clean-{n}", "2026-11-23", dev=True, workers=1)
        assert clean.ok
        assert {p: o.data for p, o in dev.files.items()} == {p: o.data for p, o in clean.files.items()}
        assert "static/theme.css" in dev.files
    assert b"#1a4d80" in dev.files["static/theme.css"].data


def skeleton(value):
    """What a translation must keep: keys, ids, vocabulary words, numbers and dates; not the text."""
    if isinstance(value, dict):
        return {key: skeleton(item) for key, item in value.items()}
    if isinstance(value, list):
        return [skeleton(item) for item in value]
    if isinstance(value, str):
        return value if re.fullmatch(r"[a-z0-9-]+|[0-9/-]+|around [0-9]+", value) else "text"
    return value


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_translated_examples_keep_the_english_ones_structure(language):
    files = ROOT / "engine" / "scaffold_files"
    english, translated = files / "content", files / f"content.{language}"
    names = sorted(p.relative_to(english).as_posix() for p in english.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(translated).as_posix() for p in translated.rglob("*") if p.is_file())
    for name in names:
        if name.endswith(".yaml"):
            mine = yaml.safe_load((translated / name).read_text("utf-8"))
            mine.pop("language", None)
            assert skeleton(mine) == skeleton(yaml.safe_load((english / name).read_text("utf-8"))), name
        else:
            assert (translated / name).read_text("utf-8") != (english / name).read_text("utf-8")
