"""Archiving: the built site as one self-contained, byte-reproducible bundle.

`python build.py bundle` builds the site in memory and writes, side by side:

- NAME.zip: every file of the site under one folder NAME/, with NAME/MANIFEST.sha256 (the
  SHA-256 of every file, in `sha256sum -c` format);
- NAME.manifest.sha256: the same manifest, to check the zip's files without opening it;
- NAME.warc.gz: a WARC 1.1 file with one HTTP response per file, at its address on the site,
  for web archives and replay tools (pywb, ReplayWeb.page).

NAME is the site's title and the build's reference date: the-acme-files-2026-11-23.
The same content gives the same bytes on any machine, in any time zone, whatever the files'
modification times: entries are sorted; zip timestamps, WARC dates and record ids come from the
reference date and the content (uuid5 of the URL and the body's digest), never from the clock
or the file system; permissions are fixed; content types come from a fixed table.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import sys
import uuid
import zipfile
from pathlib import Path, PurePosixPath

from . import search
from .pipeline import report
from .site import Options, Site, collector_paused
from .strings import counted

MANIFEST = "MANIFEST.sha256"
FILE_MODE = 0o100644   # a regular file, rw-r--r--
# Fixed, so the WARC does not depend on the machine's /etc/mime.types.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".json": "application/json",
    ".csv": "text/csv; charset=utf-8", ".bib": "application/x-bibtex; charset=utf-8",
    ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
    ".sha256": "text/plain; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".gif": "image/gif",
    ".ico": "image/vnd.microsoft.icon", ".woff2": "font/woff2", ".pdf": "application/pdf",
    ".webmanifest": "application/manifest+json", ".wasm": "application/wasm",
}
CONTENT_TYPES_BY_NAME = {"feed.xml": "application/atom+xml", "_redirects": "text/plain; charset=utf-8",
                         "cite.json": "application/vnd.citationstyles.csl+json",
                         "sources.csl.json": "application/vnd.citationstyles.csl+json"}


def content_type(path: str) -> str:
    name = PurePosixPath(path).name
    if name in CONTENT_TYPES_BY_NAME:
        return CONTENT_TYPES_BY_NAME[name]
    return CONTENT_TYPES.get(PurePosixPath(path).suffix.lower(), "application/octet-stream")


def bundle_name(title: str, day: dt.date) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "site"
    return f"{slug}-{day.isoformat()}"


def manifest(files: dict[str, bytes]) -> bytes:
    """`sha256sum` lines, sorted by path: check an unzipped bundle with `sha256sum -c`."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {path}\n"
                   for path, data in sorted(files.items())).encode("utf-8")


def zip_bytes(files: dict[str, bytes], folder: str, day: dt.date) -> bytes:
    """The files under `folder`/, plus the manifest, with every timestamp set to `day`."""
    entries = {**files, MANIFEST: manifest(files)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(entries):
            info = zipfile.ZipInfo(f"{folder}/{path}", date_time=(day.year, day.month, day.day, 0, 0, 0))
            info.create_system = 3            # Unix, so the permissions below are read
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[path], compresslevel=9)
    return buffer.getvalue()


def url_of(base_url: str, path: str) -> str:
    """A file's address: "claims/x/index.html" is served as "claims/x/"."""
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return base_url + path


def warc_date(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _record_id(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, chr(10).join(parts))}>"


def warc_bytes(files: dict[str, bytes], base_url: str, day: dt.date, filename: str) -> bytes:
    """A gzipped WARC: a warcinfo record, then one response record per file, sorted by path."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True, warc_version="WARC/1.1")
    date = warc_date(day)
    info = (f"software: build.py bundle (warcio)\r\nformat: WARC File Format 1.1\r\n"
            f"isPartOf: {base_url}\r\n").encode("utf-8")
    info_headers = StatusAndHeaders("", [
        ("WARC-Type", "warcinfo"), ("WARC-Record-ID", _record_id("warcinfo", filename, base_url)),
        ("WARC-Filename", filename), ("WARC-Date", date)], protocol="WARC/1.1")
    writer.write_record(writer.create_warc_record(
        "", "warcinfo", payload=io.BytesIO(info), length=len(info), warc_headers=info_headers,
        warc_content_type="application/warc-fields"))
    for path in sorted(files):
        body = files[path]
        url = url_of(base_url, path)
        http = StatusAndHeaders("200 OK", [("Content-Type", content_type(path)),
                                           ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict={"WARC-Date": date, "WARC-Record-ID": _record_id(
                url, hashlib.sha256(body).hexdigest())}))
    return buffer.getvalue()


def bundle_paths(out: Path, name: str) -> tuple[Path, Path, Path]:
    """Where the zip, its manifest and the WARC go: `out` is a .zip file or a folder."""
    if out.suffix == ".zip":
        stem = out.with_suffix("")
        return out, stem.with_name(stem.name + ".manifest.sha256"), stem.with_name(stem.name + ".warc.gz")
    return out / f"{name}.zip", out / f"{name}.manifest.sha256", out / f"{name}.warc.gz"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_bytes(data)
    os.chmod(staging, 0o644)
    os.replace(staging, path)


def write_bundle(files: dict[str, bytes], title: str, base_url: str, day: dt.date,
                 out: Path) -> list[Path]:
    """Writes the zip, its manifest and the WARC; returns their paths."""
    name = bundle_name(title, day)
    zip_path, manifest_path, warc_path = bundle_paths(out, name)
    folder = zip_path.name[: -len(".zip")] if out.suffix == ".zip" else name
    _write_atomically(zip_path, zip_bytes(files, folder, day))
    _write_atomically(manifest_path, manifest(files))
    _write_atomically(warc_path, warc_bytes(files, base_url, day, warc_path.name))
    return [zip_path, manifest_path, warc_path]


def run(paths, out: Path, now: str | None, strict: bool, progress=None) -> int:
    """The command line's `bundle`: build in memory (nothing written to _site/), then archive;
    `progress` (engine/progress.py) shows the stages on stderr meanwhile."""
    site = Site(paths, Options(now=now, strict=strict), progress=progress)
    with collector_paused():
        loaded = site.load()
        if report(site.problems, strict) or not loaded:
            return 1
        site.model()
        built = site.outputs()
    # the published site: the editors' /admin/ page is a tool, not part of what is archived
    files = {path: output.data for path, output in site.result.files.items() if output.kind != "admin"}

    def index() -> None:   # the search index, as a build writes it: the bundle is the whole site
        files.update(site.step("search index", search.index_files, files))
    if not built or not site.attempt(index):
        for problem in site.result.failures:
            print(problem, file=sys.stderr)
        return 1
    content, timings = site.content, site.result.timings
    written = timings.run("archive", write_bundle, files, content.site.title, content.site.base_url,
                          content.now, out, count_of=lambda paths: counted(len(paths), "{n} file", "{n} files"))
    for path in written:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"wrote {path} ({path.stat().st_size:,} bytes, sha256 {digest})")
    print(f"{len(files)} files of the site as of {content.now.isoformat()}.")
    return 0
