#!/usr/bin/env python3
"""Removes each protection once, in a scratch copy of the repository, and runs the tests that
should notice. Writes tests/MUTATIONS.md. A protection whose removal no test notices is a gap.

    .venv/bin/python scripts/mutations.py            # every mutation (about ten minutes)
    .venv/bin/python scripts/mutations.py 3 7        # only these
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Mutation:
    protection: str
    file: str
    old: str
    new: str
    tests: list[str]


MUTATIONS = [
    Mutation("YAML tags beyond plain scalars are refused", "engine/load.py",
             "    def refuse_tag(self, node) -> None:\n",
             "    def refuse_tag(self, node) -> None:\n        return None\n",
             ["tests/test_errors.py::test_yaml_tags_that_could_run_code_are_refused"]),
    Mutation("YAML anchors and aliases are refused", "engine/load.py",
             '    if "&" not in text:\n        return True',
             "    return True", ["tests/test_errors.py::test_an_alias_bomb_fails_fast_with_a_clear_error"]),
    Mutation("files above the size limit are refused", "engine/load.py",
             "MAX_FILE_BYTES = 256 * 1024", "MAX_FILE_BYTES = 256 * 1024 * 1024",
             ["tests/test_errors.py::test_files_above_the_size_limit_are_refused"]),
    Mutation("duplicate YAML keys are refused", "engine/load.py",
             "            if key in result:", "            if False:",
             ["tests/test_errors.py::test_duplicate_keys_are_refused"]),
    Mutation("raw HTML in Markdown is shown as text", "engine/markdown.py",
             '{"html": False, "typographer": True}', '{"html": True, "typographer": True}',
             ["tests/test_markdown.py::test_raw_html_is_shown_as_text"]),
    Mutation("only http(s), mailto, relative and # links survive", "engine/markdown.py",
             "    md.validateLink = is_safe_link\n", "",
             ["tests/test_markdown.py::test_dangerous_link_schemes_are_not_rendered_as_links"]),
    Mutation("entity-encoded schemes are decoded before the check", "engine/markdown.py",
             '_INVISIBLE.sub("", unquote(url))', '_INVISIBLE.sub("", url)',
             ["tests/test_markdown.py::test_dangerous_link_schemes_are_not_rendered_as_links"]),
    Mutation("text from YAML is escaped in HTML", "engine/render.py",
             'autoescape=select_autoescape(["html", "xml"], default_for_string=True)',
             "autoescape=False",
             ["tests/test_site.py::test_text_from_content_is_escaped_and_never_run_as_a_template"]),
    Mutation("ids and slugs must be safe path segments", "engine/schema.py",
             'SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"', 'SLUG_PATTERN = r"^.*$"',
             ["tests/test_hostile.py::test_unsafe_slugs_are_rejected_before_anything_is_written"]),
    Mutation("output paths that leave the folder are refused", "engine/render.py",
             '    if not path or "\\\\" in path or "\\x00" in path or path.startswith("/"):\n        return None',
             "    return path",
             ["tests/test_write.py::test_paths_outside_the_output_folder_are_refused",
              "tests/test_hostile.py::test_any_output_path_accepted_stays_inside_the_output_folder"]),
    Mutation("symlinks pointing outside content/ are refused", "engine/load.py",
             "            if path.is_symlink() and not _inside(path, content):",
             "            if False:",
             ["tests/test_hostile.py::test_a_symlink_pointing_outside_content_is_refused"]),
    Mutation("two items for one output path are an error", "engine/render.py",
             "            elif path in self.files:", "            elif False:",
             ["tests/test_hostile.py::test_two_pages_for_one_output_path_are_an_error_never_an_overwrite"]),
    Mutation("the new site is swapped in whole", "engine/write.py",
             "        target = self.folder / path\n",
             "        target = self.out / path\n",
             ["tests/test_reliability.py::test_a_build_killed_half_way_leaves_the_previous_site_whole"]),
    Mutation("output does not depend on the hash seed", "engine/model.py",
             "key=lambda s: (s.outlet.lower(), s.published.sort_key() if s.published else (\"\",), s.id))",
             "key=lambda s: hash(s.id))",
             ["tests/test_reliability.py::test_builds_are_byte_identical_across_time_zones_locales_hash_seeds_and_paths"]),
    Mutation("error locations survive odd keys (never a traceback)", "engine/validate.py",
             'loc = _data_loc(error["loc"], data, keep_last=kind == "missing")',
             'loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))',
             ["tests/test_reliability.py::test_mutated_content_files_give_a_site_or_errors_never_a_traceback"]),
    Mutation("netlify.toml forbids framing", "netlify.toml",
             " frame-ancestors 'none';", "",
             ["tests/test_netlify.py::test_every_path_gets_strict_security_headers"]),
    Mutation("no request leaves the site's origin", "templates/base.html",
             '<link rel="stylesheet" href="{{ asset(\'style.css\') }}">',
             '<link rel="stylesheet" href="{{ asset(\'style.css\') }}"><link rel="stylesheet" href="https://fonts.example.com/x.css">',
             ["tests/test_browser.py::test_every_page_loads_cleanly_and_stays_on_its_own_origin"]),
    Mutation("no inline styles (the CSP would block them)", "templates/base.html",
             '<body class="page-{{ page.kind }}">', '<body class="page-{{ page.kind }}" style="margin:0">',
             ["tests/test_site.py::test_no_inline_scripts_styles_or_style_attributes",
              "tests/test_browser.py::test_every_page_loads_cleanly_and_stays_on_its_own_origin"]),
    Mutation("the skip link", "templates/base.html",
             '<a class="skip-link" href="#content">{{ t(\'skip_to_content\') }}</a>', "",
             ["tests/test_browser.py::test_keyboard_users_get_the_skip_link_and_a_visible_focus"]),
    Mutation("a visible focus ring", "static/style.css",
             ":focus-visible { outline: 3px solid var(--focus);", ":focus-visible { outline: none;",
             ["tests/test_browser.py::test_keyboard_users_get_the_skip_link_and_a_visible_focus"]),
    Mutation("long words wrap on a phone", "static/style.css",
             "  overflow-wrap: break-word;\n", "",
             ["tests/test_browser.py::test_at_phone_width_no_page_scrolls_sideways"]),
    Mutation("hidden means hidden (the no-JS timeline hides its filter)", "static/style.css",
             "[hidden] { display: none !important; }\n", "",
             ["tests/test_browser.py::test_the_timeline_lists_every_event_without_javascript"]),
    Mutation("the topic filter", "static/timeline-filter.js",
             'var visible = !topic || event.getAttribute("data-topic") === topic;',
             "var visible = true;",
             ["tests/test_browser.py::test_the_topic_filter_works_with_javascript"]),
    Mutation("note references carry the id the back-link returns to", "engine/markdown.py",
             '<a href="#{0}" id="{1}" role="doc-noteref">', '<a href="#{0}" data-id="{1}" role="doc-noteref">',
             ["tests/test_browser.py::test_a_note_reference_goes_to_its_note_and_the_back_link_returns",
              "tests/test_validity.py::test_no_broken_internal_links_or_fragments"]),
    Mutation("back-links name themselves as visible text (axe)", "templates/partials/notes.html",
             'role="doc-backlink">', 'role="doc-backlink" aria-label="back">',
             ["tests/test_validity.py::test_axe_finds_no_violations_on_any_page"]),
    Mutation("note marks are 24px targets (axe target-size)", "static/style.css",
             "display: inline-block; min-width: 1.5rem; min-height: 1.5rem; line-height: 1.5rem; text-align: center;\n  text-decoration: none;",
             "text-decoration: none;",
             ["tests/test_validity.py::test_axe_finds_no_violations_on_any_page"]),
    Mutation("valid HTML (the Nu checker)", "templates/base.html",
             '<main id="content" tabindex="-1"{% if search_fields(page) %} data-pagefind-body{% endif %}>',
             '<main id="content" tabindex="-1"><span><div></div></span>',
             ["tests/test_validity.py::test_the_nu_checker_finds_no_error_on_any_page"]),
    Mutation("internal links resolve", "templates/base.html",
             "<li><a href=\"{{ url('claims/') }}\">", "<li><a href=\"{{ url('claim/') }}\">",
             ["tests/test_validity.py::test_no_broken_internal_links_or_fragments",
              "tests/test_site.py::test_every_internal_link_and_fragment_resolves_also_under_a_sub_folder"]),
    Mutation("an edit re-renders the pages of what the item used to and now points at",
             "engine/incremental.py",
             "item_keys = edited | (self._referenced if keys else set())", "item_keys = edited",
             ["tests/test_incremental.py::test_incremental_output_equals_a_clean_build_after_every_step"]),
    Mutation("index pages depend on the counts they show", "engine/model.py",
             "                  shown_with=lambda source: {f\"{kind}/{key}{LISTED}\" for kind, key in links.citing.get(source.id, [])},\n",
             "",
             ["tests/test_incremental.py::test_incremental_output_equals_a_clean_build_after_every_step"]),
    Mutation("a no-op rebuild checks the output folder too", "engine/cache.py",
             'return saved.get("inputs") == inputs and saved.get("output") == output_fingerprint(out)',
             'return saved.get("inputs") == inputs',
             ["tests/test_cache.py::test_an_edited_file_a_damaged_output_or_a_new_day_each_mean_a_build"]),
    Mutation("text in JSON-LD cannot close its script block", "engine/render.py",
             'return Markup(text.replace("<", "\\\\u003c").replace(">", "\\\\u003e").replace("&", "\\\\u0026"))',
             "return Markup(text)",
             ["tests/test_structured_data.py::test_text_cannot_break_out_of_the_json_ld_block"]),
    Mutation("drafts stay out of the sitemap and feed", "engine/validate.py",
             "if drafts or is_published(entry.item, now)}", "if True}",
             ["tests/test_site.py::test_drafts_and_embargoed_items_are_left_out_everywhere"]),
    Mutation("BibTeX fields escape LaTeX's special characters", "engine/cite.py",
             'return _SPECIAL.sub(lambda m: LATEX_SPECIALS[m.group()], " ".join(text.split()))',
             'return " ".join(text.split())',
             ["tests/test_open_data.py::test_a_hostile_title_is_escaped_in_bibtex_and_intact_everywhere_else"]),
    Mutation("a lone brace cannot unbalance a BibTeX entry", "engine/cite.py",
             '"{": r"\\textbraceleft{}", "}": r"\\textbraceright{}"', '"{": r"\\{", "}": r"\\}"',
             ["tests/test_open_data.py::test_a_hostile_title_is_escaped_in_bibtex_and_intact_everywhere_else"]),
    Mutation("zip timestamps come from the reference date, not the clock", "engine/bundle.py",
             "date_time=(day.year, day.month, day.day, 0, 0, 0)",
             'date_time=__import__("time").localtime()[:6]',
             ["tests/test_bundle.py::test_the_zip_holds_the_built_site_and_a_manifest_that_verifies"]),
    Mutation("WARC record ids come from the content, not a random uuid4", "engine/bundle.py",
             '"WARC-Date": date, "WARC-Record-ID": _record_id(', '"WARC-Date": date, "X-Id": _record_id(',
             ["tests/test_bundle.py::test_the_bundle_is_byte_reproducible"]),
    Mutation("the dev server rewrites the open data after an edit", "engine/incremental.py",
             "with_data=bool(keys)", "with_data=False",
             ["tests/test_open_data.py::test_the_dev_server_keeps_the_data_and_citations_in_step_with_an_edit"]),
    Mutation("a failed search index fails the build, before the swap", "engine/write.py",
             "        if index:\n            index(self.folder)\n", "",
             ["tests/test_search.py::test_a_failed_index_fails_the_build_and_leaves_the_site_as_it_was"]),
    Mutation("the search index is reproducible (filters sorted)", "engine/search.py",
             "        _canonicalise(target)\n", "        pass\n",
             ["tests/test_search.py::test_the_filters_are_written_in_sorted_order"]),
    Mutation("a build that changes nothing keeps the search index", "engine/write.py",
             '            existing = {p for p in existing if not p.startswith(generated + "/")}\n', "",
             ["tests/test_search.py::test_two_builds_give_the_same_index_and_an_unchanged_build_keeps_it"]),
    Mutation("only the search page may compile WebAssembly", "netlify.toml",
             'for = "/search/*"', 'for = "/*"',
             ["tests/test_netlify.py::test_only_the_search_page_may_compile_webassembly"]),
    Mutation("the dev server re-indexes after a rebuild", "engine/incremental.py",
             'if any(path.endswith(".html") for path in touched):', "if False:",
             ["tests/test_search.py::test_the_dev_server_refreshes_the_index_after_a_rebuild"]),
    Mutation("the search page finds Pagefind under a sub-path base URL", "templates/search.html",
             "data-bundle=\"{{ url('pagefind/') }}\"", 'data-bundle="/pagefind/"',
             ["tests/test_search.py::test_search_works_under_a_sub_path"]),
    Mutation("Pagefind runs on the page, whose CSP alone allows WebAssembly", "static/search.js",
             ", noWorker: true", "",
             ["tests/test_search.py::test_a_query_shows_results_with_kind_and_date_and_the_filters_narrow_them"]),
    # issue 14: exports and messages
    Mutation("every message is one line of visible characters", "engine/problems.py",
             '        object.__setattr__(self, "path", _one_line(self.path))\n'
             '        object.__setattr__(self, "message", _one_line(self.message))\n',
             "        pass\n",
             ["tests/test_attack_exports.py::test_every_message_is_one_line_of_visible_characters_whoever_wrote_it",
              "tests/test_attack_exports.py::test_a_hostile_option_value_is_printed_escaped_on_one_line",
              "tests/test_attack_exports.py::test_a_hostile_content_value_cannot_forge_annotations_or_reach_the_terminal"]),
    Mutation("a message quoting a huge value is cut in the middle", "engine/problems.py",
             "    if len(text) > MAX_MESSAGE:", "    if False:",
             ["tests/test_attack_exports.py::test_a_message_quoting_a_huge_value_keeps_its_start_and_its_fix"]),
    Mutation("GitHub annotations escape the file property", "engine/problems.py",
             "file={escape(self.path, True)}", "file={self.path}",
             ["tests/test_attack_exports.py::test_github_annotations_cannot_be_forged_by_a_value_or_a_path"]),
    Mutation("the archive listing prints addresses escaped", "engine/archive.py",
             "{printable(save_url(source.url))}\")", "{save_url(source.url)}\")",
             ["tests/test_attack_exports.py::test_the_archive_listing_prints_addresses_and_file_names_escaped"]),
    Mutation("CSV text cells a spreadsheet would run get a leading quote", "engine/formats.py",
             """    return "'" + text if _FORMULA.match(text) else text""", "    return text",
             ["tests/test_attack_exports.py::test_a_text_cell_a_spreadsheet_would_run_gets_a_leading_quote",
              "tests/test_attack_exports.py::test_formula_cells_from_content_are_inert_in_the_built_csv"]),
    Mutation("a formula after leading whitespace is caught too", "engine/formats.py",
             r'|\s*[=+\-@', r'|[=+\-@',
             ["tests/test_attack_exports.py::test_a_text_cell_a_spreadsheet_would_run_gets_a_leading_quote"]),
    Mutation("numbers in CSV stay numbers (only text cells are quoted)", "engine/export.py",
             "    if isinstance(value, str):\n        return csv_text(value)",
             "    if True:\n        return csv_text(str(value))",
             ["tests/test_attack_exports.py::test_numbers_stay_numbers_and_lists_are_json",
              "tests/test_attack_exports.py::test_formula_cells_from_content_are_inert_in_the_built_csv"]),
    Mutation("control characters are replaced in CSV cells", "engine/formats.py",
             "    text = without_controls(text)\n    return \"'\"", "    return \"'\"",
             ["tests/test_attack_exports.py::test_control_characters_never_reach_a_csv_cell"]),
    Mutation("every .xml file passes the XML 1.0 character filter", "engine/render.py",
             '(xml_text(text) if name.endswith(".xml") else text)', "text",
             ["tests/test_attack_exports.py::test_feed_and_sitemap_stay_well_formed_xml_whatever_the_text"]),
    Mutation("JSON exports refuse NaN and infinities", "engine/formats.py",
             "allow_nan=False", "allow_nan=True",
             ["tests/test_attack_exports.py::test_json_never_holds_nan_or_infinity",
              "tests/test_attack_exports.py::test_a_non_finite_number_stops_the_build_with_a_message_and_writes_nothing"]),
    Mutation("JSON-LD refuses NaN", "engine/render.py",
             "ensure_ascii=False, allow_nan=False,", "ensure_ascii=False,",
             ["tests/test_attack_exports.py::test_structured_data_refuses_nan_rather_than_writing_invalid_json"]),
    Mutation("BibTeX text has no control characters", "engine/cite.py",
             '" ".join(without_controls(text).split())', '" ".join(text.split())',
             ["tests/test_attack_exports.py::test_bibtex_and_csl_json_stay_valid_whatever_the_text"]),
    Mutation("BibTeX URLs percent-encode control characters as UTF-8", "engine/cite.py",
             r'[{}\\\s\x00-\x1f\x7f-\x9f]', r'[{}\\\s]',
             ["tests/test_attack_exports.py::test_bibtex_and_csl_json_stay_valid_whatever_the_text"]),
    Mutation("smart quotes in linear time (not markdown-it's quadratic rule)", "engine/markdown.py",
             '    md.core.ruler.at("smartquotes", smartquotes)', "",
             ["tests/test_attack_exports.py::test_markdown_stays_linear_on_the_worst_inputs"]),
    Mutation("a failed citation attempt rules out the [@ it scanned past", "engine/citations.py",
             "            self.failed = (start, -end - 1)\n", "            pass\n",
             ["tests/test_attack_exports.py::test_finding_and_removing_citations_stays_linear"]),
    Mutation("plain text drops citations without the quadratic regular expression", "engine/markdown.py",
             "fragment(without_citations(text))",
             'fragment(re.sub(r"[ \\t]*\\[@([^\\]\\s,;]*)(?:\\s*,\\s*([^\\]]*))?\\]", "", text))',
             ["tests/test_attack_exports.py::test_finding_and_removing_citations_stays_linear"]),
    Mutation("the nth citation's position is found from the last one", "engine/load.py",
             "        self.found[(loc, needle)] = (occurrence, index)\n", "",
             ["tests/test_attack_exports.py::test_citations_are_found_and_placed_in_linear_time"]),
    Mutation("hostile values in every field leave every export well-formed and inert", "engine/formats.py",
             """    return "'" + text if _FORMULA.match(text) else text""", "    return text",
             ["tests/test_attack_properties.py::test_hostile_values_in_every_field_give_well_formed_outputs_or_positioned_errors"]),
]


def run(number: int, mutation: Mutation, python: str) -> tuple[str, str]:
    scratch = Path(tempfile.mkdtemp(prefix="mutation-"))
    try:
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(scratch / "repo"), "HEAD"],
                       cwd=ROOT, check=True)
        repo = scratch / "repo"
        for shared in ("node_modules", ".venv"):
            if (ROOT / shared).exists():
                (repo / shared).symlink_to(ROOT / shared)
        target = repo / mutation.file
        text = target.read_text("utf-8")
        if mutation.old not in text:
            return "NOT APPLIED (the protected code changed; update this mutation)", ""
        target.write_text(text.replace(mutation.old, mutation.new, 1), "utf-8")
        try:
            result = subprocess.run([python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                                     *mutation.tests], cwd=repo, capture_output=True, text=True,
                                    timeout=600)
        except subprocess.TimeoutExpired:
            return "NOT CAUGHT (the tests hung instead of failing)", ""
        failed = [line.split(" ")[1] for line in result.stdout.splitlines() if line.startswith("FAILED ")]
        if result.returncode == 0:
            return "NOT CAUGHT", ""
        return "caught", ", ".join(f"`{f.split('::')[1]}`" for f in failed) or "(collection error)"
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(scratch / "repo")], cwd=ROOT)
        shutil.rmtree(scratch, ignore_errors=True)


def main(selected: list[int]) -> int:
    python = str(ROOT / ".venv" / "bin" / "python")
    rows = []
    for number, mutation in enumerate(MUTATIONS, 1):
        if selected and number not in selected:
            continue
        verdict, failed = run(number, mutation, python)
        print(f"{number:2}. {mutation.protection}: {verdict} {failed}", flush=True)
        rows.append((number, mutation, verdict, failed))
    if not selected:
        lines = ["# Mutations: each protection removed once", "",
                 "Written by `scripts/mutations.py`, which removes one protection at a time in a "
                 "scratch worktree and runs the tests that should notice. Every row must say "
                 "*caught*.", "",
                 "| # | Protection removed | File | Change | Result | Failing tests |",
                 "|---|---|---|---|---|---|"]
        for number, m, verdict, failed in rows:
            change = m.new.strip().replace("\n", " ").replace("|", "\\|")[:60] or "(deleted)"
            lines.append(f"| {number} | {m.protection} | `{m.file}` | `{change}` | {verdict} | {failed} |")
        (ROOT / "tests" / "MUTATIONS.md").write_text("\n".join(lines) + "\n", "utf-8")
    return 0 if all(r[2] == "caught" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main([int(a) for a in sys.argv[1:]]))
