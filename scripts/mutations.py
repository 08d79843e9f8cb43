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
             "    def refuse_tag(self, tag: str, mark) -> None:\n",
             "    def refuse_tag(self, tag: str, mark) -> None:\n        return None\n",
             ["tests/test_errors.py::test_yaml_tags_that_could_run_code_are_refused"]),
    Mutation("YAML anchors and aliases are refused", "engine/load.py",
             "            if isinstance(event, yaml.AliasEvent) or event.anchor:",
             "            if False:",
             ["tests/test_errors.py::test_an_alias_bomb_fails_fast_with_a_clear_error"]),
    Mutation("files above the size limit are refused", "engine/load.py",
             "MAX_FILE_BYTES = 256 * 1024", "MAX_FILE_BYTES = 256 * 1024 * 1024",
             ["tests/test_errors.py::test_files_above_the_size_limit_are_refused"]),
    Mutation("duplicate YAML keys are refused", "engine/load.py",
             "        elif event.value in parent.value:", "        elif False:",
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
             "            problem = unsafe_entry(path, content)\n",
             "            problem = None\n",
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
             'inputs.encode(), output_fingerprint(out).encode()).hex()',
             'inputs.encode()).hex()',
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
    # issue 14: the local servers (dev server and the browser editor's backend)
    Mutation("the dev server answers only the host it was started for", "engine/serve.py",
             '            if not _host_allowed(request.headers.get("Host", ""), site.hosts):',
             "            if False:",
             ["tests/test_attack_servers.py::test_the_dev_server_answers_only_its_own_host_and_shows_no_draft_to_others"]),
    Mutation("live reload accepts only its own origin", "engine/serve.py",
             "            return _origin_allowed(origin, site.hosts)", "            return True",
             ["tests/test_attack_servers.py::test_live_reload_accepts_only_its_own_origin"]),
    Mutation("live reload sends site URLs, never local paths", "engine/serve.py",
             "            self.filepath = reload_path(site, changed)",
             '            self.filepath = changed[0] if changed else "*"',
             ["tests/test_attack_servers.py::test_live_reload_tells_pages_site_urls_never_local_paths"]),
    Mutation("a malformed dev-server URL is a 400, never a traceback", "engine/serve.py",
             '        path = _url_path(environ.get("PATH_INFO", "/"))',
             '        path = environ.get("PATH_INFO", "/")',
             ["tests/test_attack_servers.py::test_a_malformed_url_is_a_400_or_404_never_a_traceback"]),
    Mutation("the editor's backend refuses '..', hidden and empty path segments", "engine/local_backend.py",
             '            if (not part or part.startswith(".") or "\\\\" in part',
             '            if (False and "\\\\" in part',
             ["tests/test_attack_servers.py::test_the_editors_backend_writes_and_deletes_nothing_outside_content"]),
    Mutation("the editor's backend follows no symlink inside content/", "engine/local_backend.py",
             "            if target.is_symlink():   # a link inside content/ may point anywhere",
             "            if False:",
             ["tests/test_attack_servers.py::test_the_editors_backend_reads_nothing_outside_content"]),
    Mutation("the editor's backend answers only pages of the dev server's own origin", "engine/serve.py",
             ' or not _origin_allowed(origin, self.hosts):', ":",
             ["tests/test_attack_servers.py::test_only_the_editor_on_this_server_may_call_its_backend"]),
    Mutation("SIGTERM and SIGHUP stop the dev server the way Ctrl+C does", "engine/serve.py",
             "        signal.signal(number, _interrupt)", "        pass",
             ["tests/test_attack_servers.py::test_serve_admin_stops_with_everything_it_started_on_each_signal"]),
    # issue 14: the output folder, environment failures, content's file system
    Mutation("an --out that is, holds or is inside content, the repository, home, / or an input folder is refused",
             "engine/outfolder.py", "                _refuse(named_as, what, relation, name, bundle)", "                pass",
             ["tests/test_attack_output.py::test_an_out_that_is_holds_or_is_inside_what_the_build_reads_is_refused"]),
    Mutation("an --out that is a symlink is refused", "engine/outfolder.py",
             "    if given.is_symlink():", "    if False:",
             ["tests/test_attack_output.py::test_a_committed_site_symlink_to_the_parent_deletes_nothing"]),
    Mutation("an --out reached through a symlink inside the repository is refused", "engine/outfolder.py",
             "        if parent.is_symlink() and", "        if False and",
             ["tests/test_attack_output.py::test_an_out_reached_through_a_symlink_inside_the_repository_is_refused"]),
    Mutation("only a folder the build made (marked) is replaced", "engine/outfolder.py",
             "    if is_ours(out) or not any(out.iterdir()):", "    if True:",
             ["tests/test_attack_output.py::test_a_folder_the_build_did_not_make_is_never_replaced",
              "tests/test_attack_output.py::test_an_unmarked_folder_is_refused_by_the_write_stage_itself"]),
    Mutation("only marked staging folders are removed as stale", "engine/write.py",
             "        if outfolder.is_ours(stale) and not running:", "        if not running:",
             ["tests/test_attack_output.py::test_a_staging_folder_the_build_did_not_mark_is_left_alone"]),
    Mutation("one writer at a time (the output folder's lock)", "engine/outfolder.py",
             "                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n", "",
             ["tests/test_attack_output.py::test_a_build_into_the_folder_of_a_running_dev_server_fails_at_once_in_one_line",
              "tests/test_attack_output.py::test_a_second_build_waits_for_the_first_and_both_succeed"]),
    Mutation("a full or read-only disk is one line, never a traceback", "build.py",
             "    except OSError as error:   # the machine", "    except ZeroDivisionError as error:   # the machine",
             ["tests/test_attack_output.py::test_a_full_disk_without_root_is_simulated_and_still_one_line"]),
    Mutation("an unusable SOURCE_DATE_EPOCH is one problem, never a traceback", "engine/pipeline.py",
             "    except EpochError:\n", "    except ZeroDivisionError:\n",
             ["tests/test_attack_output.py::test_an_unusable_source_date_epoch_is_one_problem_never_a_traceback"]),
    Mutation("a symlinked folder in content/ pointing outside is refused", "engine/load.py",
             "        problem = unsafe_entry(entry, content)\n", "        problem = None\n",
             ["tests/test_attack_output.py::test_a_symlinked_pages_folder_publishes_nothing_from_outside"]),
    Mutation("a symlinked site.yaml pointing outside is not read", "engine/load.py",
             "    unsafe = unsafe_entry(site_path, content) if", "    unsafe = None if",
             ["tests/test_attack_output.py::test_a_symlinked_site_yaml_is_not_read"]),
    Mutation("FIFOs, sockets and device files in content/ are refused, never opened", "engine/load.py",
             "    if stat.S_ISREG(mode):\n        return None\n", "    return None\n",
             ["tests/test_attack_output.py::test_a_fifo_site_yaml_and_sockets_and_devices_are_refused_without_reading",
              "tests/test_attack_output.py::test_a_fifo_in_content_is_refused_at_once_and_never_opened"]),
    Mutation("the dev server's fast path defers unsafe files to the full build", "engine/incremental.py",
             "                    or unsafe_entry(path, self.paths.content):", "                    or False:",
             ["tests/test_attack_output.py::test_the_dev_server_refuses_a_file_swapped_for_a_symlink_to_outside"]),
    Mutation("a symlinked folder is refused even when it points inside content/", "engine/load.py",
             '            if kind == "folder":\n', "            if False:\n",
             ["tests/test_attack_output.py::test_a_symlinked_folder_is_refused_even_inside_content_but_a_file_symlink_is_not"]),
    # issue 14: validation
    Mutation('text fields refuse control characters and bidi controls', 'engine/schema.py',
             "max_length=MAX_TEXT), AfterValidator(_visible_text)]", "max_length=MAX_TEXT)]",
             ["tests/test_attack_content.py::test_control_and_bidi_characters_in_a_text_field_are_refused_at_their_position"]),
    Mutation('bidi embeddings and overrides are among the refused characters', 'engine/schema.py',
             "\\u202a-\\u202e", "",
             ["tests/test_attack_content.py::test_bidi_overrides_are_refused_in_every_kind_of_text"]),
    Mutation('Markdown bodies refuse control characters', 'engine/schema.py',
             "max_length=200_000),\n                     AfterValidator(_visible_text)]", "max_length=200_000)]",
             ["tests/test_attack_content.py::test_a_control_character_in_a_markdown_body_names_its_line_and_column"]),
    Mutation('a refused character is pointed at in its own column', 'engine/validate.py',
             'position = doc.offset_position(loc, error["ctx"]["character"], 0)', "position = doc.position(loc)",
             ["tests/test_attack_content.py::test_control_and_bidi_characters_in_a_text_field_are_refused_at_their_position"]),
    Mutation('figures refuse NaN, infinities and magnitudes from 1e15', 'engine/schema.py',
             "Number = Annotated[float, AfterValidator(_printable_number)]", "Number = float",
             ["tests/test_attack_content.py::test_figures_that_cannot_be_printed_are_refused"]),
    Mutation('whole numbers (order) are bounded', 'engine/schema.py',
             "Whole = Annotated[int, Field(gt=-MAX_MAGNITUDE, lt=MAX_MAGNITUDE)]", "Whole = int",
             ["tests/test_attack_content.py::test_a_huge_order_is_refused_with_a_message"]),
    Mutation('an int too long for Python to read is an error, not a traceback', 'engine/load.py',
             "and len(event.value) > 100:", "and len(event.value) > 10**9:",
             ["tests/test_attack_content.py::test_a_number_too_long_to_read_is_an_error_not_a_traceback"]),
    Mutation('nesting deeper than MAX_DEPTH is refused, read without recursion', 'engine/load.py',
             "and len(stack) == MAX_DEPTH:", "and False:",
             ["tests/test_attack_content.py::test_deeply_nested_flow_yaml_is_an_error_not_a_crash"]),
    Mutation('collections longer than MAX_ITEMS are refused', 'engine/load.py',
             "if parent.count > parent.limit:", "if False:",
             ["tests/test_attack_content.py::test_a_list_longer_than_the_limit_is_an_error"]),
    Mutation('strings: overrides may use only their documented placeholders', 'engine/validate.py',
             "        _check_strings(raw.site, problems)\n", "        pass\n",
             ["tests/test_attack_content.py::test_a_strings_override_may_use_only_its_own_placeholders_by_name"]),
    Mutation('strings are filled in by name, never by str.format', 'engine/strings.py',
             "return PLACEHOLDER.sub(lambda m: str(values[m[1]]) if m[1] in values else m[0], template)", "return template.format(**values)",
             ["tests/test_attack_content.py::test_strings_are_filled_in_by_name_only_even_past_validation"]),
    Mutation('corrections_contact must be an email or an http(s) address', 'engine/schema.py',
             "corrections_contact: Contact", "corrections_contact: Text",
             ["tests/test_attack_content.py::test_corrections_contact_must_be_an_email_or_a_web_address"]),
    Mutation('slugs the outputs write are refused', 'engine/validate.py',
             "        if slug in reserved:", "        if slug in RESERVED_IDS:",
             ["tests/test_attack_content.py::test_a_slug_the_outputs_write_is_refused"]),
    Mutation('every output declares its top-level names', 'engine/cards.py',
             'TOP_LEVEL = ("og",)', "TOP_LEVEL = ()",
             ["tests/test_attack_content.py::test_every_top_level_name_a_full_build_writes_is_declared_reserved"]),
    # issue 14: caches
    Mutation("a page row is used only when its seal matches", "engine/cache.py",
             'if row is None or not isinstance(row[0], bytes) or not self.seals.verify(row[1], "page", key.encode(), row[0]):',
             "if row is None:",
             ["tests/test_attack_cache.py::test_an_edited_page_row_publishes_nothing_of_it"]),
    Mutation("a cached card is used only when its seal matches", "engine/cards.py",
             'if png and self.seals.verify(seal, "card", key.encode(), png):', "if png:",
             ["tests/test_attack_cache.py::test_a_replaced_card_is_drawn_again"]),
    Mutation("the Markdown store is used only when its seal matches", "engine/cache.py",
             '        if not key.verify(bytes.fromhex(seal.decode("ascii")), "markdown", body):\n            return 0\n',
             "", ["tests/test_attack_cache.py::test_a_forged_markdown_store_is_not_used"]),
    Mutation("the Markdown store is JSON, never pickle", "engine/cache.py",
             "Fragment.from_plain(plain) for text, inline, plain in json.loads(body)}",
             "Fragment.from_plain(plain) for text, inline, plain in __import__('pickle').loads(body)}",
             ["tests/test_attack_cache.py::test_a_hostile_pickle_in_the_cache_runs_nothing_and_the_site_is_a_clean_one"]),
    Mutation("a last-build record makes a build skip only when this machine sealed it", "engine/cache.py",
             "return isinstance(saved, str) and hmac.compare_digest(saved, _record_seal(out, inputs, key))",
             "return isinstance(saved, str)",
             ["tests/test_attack_cache.py::test_a_record_this_machine_did_not_seal_never_makes_a_build_skip"]),
    Mutation("cache files are named by the key", "engine/cache.py",
             'return self.seal(f"name:{kind}", public.encode("utf-8", "surrogatepass")).hex()[:32]',
             'return hashlib.sha256(f"{kind}:{public}".encode()).hexdigest()[:32]',
             ["tests/test_attack_cache.py::test_cache_files_are_named_by_the_key_so_a_planted_file_is_never_opened"]),
    Mutation("cache entries are bound to the folder they were made in", "engine/cache.py",
             'b"cache-folder\\0" + os.fsencode(folder.absolute())', 'b"cache-folder\\0"',
             ["tests/test_attack_cache.py::test_a_cache_copied_from_another_checkout_is_not_used"]),
    Mutation("a symlinked .cache or .cache/cards is not used", "engine/cache.py",
             "        if info is None or not stat.S_ISDIR(info.st_mode):\n",
             "        if False:\n",
             ["tests/test_attack_cache.py::test_a_symlinked_cache_folder_is_neither_written_nor_pruned"]),
    Mutation("cache reads refuse FIFOs, devices and oversized files", "engine/cache.py",
             "if not stat.S_ISREG(info.st_mode) or (limit is not None and info.st_size > limit):",
             "if False:",
             ["tests/test_attack_cache.py::test_cache_reads_refuse_symlinks_fifos_and_oversized_files"]),
    Mutation("a cache key others can write is replaced", "engine/cache.py",
             "info.st_uid != os.geteuid() or info.st_mode & 0o022:", "info.st_uid != os.geteuid():",
             ["tests/test_attack_cache.py::test_the_key_is_kept_outside_the_checkout_for_this_user_only"]),
    Mutation("Python's bytecode is kept outside the checkout", "build.py",
             "sys.meta_path.insert(0, _EngineFinder())", "pass",
             ["tests/test_attack_cache.py::test_a_committed_pycache_runs_nothing"]),
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
