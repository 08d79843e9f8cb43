"""`build.py bundle`: a zip with a SHA-256 manifest and a WARC of the built site, the same bytes
whatever the time zone, working folder or files' modification times."""
from __future__ import annotations

import base64
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import NOW, ROOT, build, copy_fixture

NAME = "the-acme-files-2026-11-23"
EXPECTED_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                  ".js": "text/javascript; charset=utf-8", ".csv": "text/csv; charset=utf-8",
                  ".bib": "application/x-bibtex; charset=utf-8", ".svg": "image/svg+xml"}


def bundle(content: Path, out: Path, cwd: Path, **env) -> subprocess.CompletedProcess:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "bundle", "--content", str(content),
                           "--now", NOW, "--out", str(out)], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=300)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """The fixture bundled twice, in different settings; and a clean build to compare with."""
    base = tmp_path_factory.mktemp("bundle")
    content = copy_fixture(base)
    first = bundle(content, base / "one", base / "cwd-one", TZ="UTC", PYTHONHASHSEED="1")
    assert first.returncode == 0, first.stderr
    for path in content.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))     # touched: September 2001
    second = bundle(content, base / "two", base / "cwd-two", TZ="Pacific/Kiritimati",
                    PYTHONHASHSEED="2", LC_ALL="C")
    assert second.returncode == 0, second.stderr
    result = build(content, base / "site")
    assert result.ok
    return base


def test_the_bundle_is_byte_reproducible(bundled):
    for suffix in (".zip", ".manifest.sha256", ".warc.gz"):
        one, two = (bundled / run / f"{NAME}{suffix}" for run in ("one", "two"))
        assert one.read_bytes() == two.read_bytes(), suffix


def site_files(bundled) -> dict[str, bytes]:
    site = bundled / "site"   # without the build's own marker, which is not part of the site
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and p.name != ".build-output"}


def test_the_zip_holds_the_built_site_and_a_manifest_that_verifies(bundled):
    archive = zipfile.ZipFile(bundled / "one" / f"{NAME}.zip")
    assert archive.testzip() is None
    infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names) and all(name.startswith(f"{NAME}/") for name in names)
    for info in infos:
        assert info.date_time == (2026, 11, 23, 0, 0, 0)          # the reference date, not the disk
        assert info.external_attr >> 16 == 0o100644 and info.create_system == 3
    files = {name[len(NAME) + 1:]: archive.read(name) for name in names}
    manifest = files.pop("MANIFEST.sha256")
    assert files == site_files(bundled)                            # exactly the site a build writes
    assert manifest == (bundled / "one" / f"{NAME}.manifest.sha256").read_bytes()
    lines = manifest.decode().splitlines()
    assert len(lines) == len(files)
    for line in lines:
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(files[path]).hexdigest() == digest, path


def test_the_warc_has_every_file_with_its_type_and_digest(bundled):
    files = site_files(bundled)
    found = {}
    with open(bundled / "one" / f"{NAME}.warc.gz", "rb") as stream:
        records = list((r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
                       for r in ArchiveIterator(stream))
    assert records[0][0] == "warcinfo"
    ids = [headers.get_header("WARC-Record-ID") for _, headers, _, _ in records]
    assert len(set(ids)) == len(ids)
    for kind, headers, http, body in records[1:]:
        assert kind == "response" and headers.get_header("WARC-Date") == "2026-11-23T00:00:00Z"
        url = headers.get_header("WARC-Target-URI")
        digest = base64.b32encode(hashlib.sha1(body).digest()).decode()
        assert headers.get_header("WARC-Payload-Digest") == f"sha1:{digest}", url
        found[url] = (http.get_header("Content-Type"), body)
    for path, data in files.items():
        url = "https://example.org/" + (path[: -len("index.html")] if path.endswith("index.html") else path)
        content_type, body = found.pop(url)
        assert body == data, path
        suffix = Path(path).suffix
        if path.endswith("cite.json") or path.endswith(".csl.json"):
            assert content_type == "application/vnd.citationstyles.csl+json", path
        elif suffix in EXPECTED_TYPES:
            assert content_type == EXPECTED_TYPES[suffix], path
    assert not found                                               # nothing but the site's files


def test_warcio_check_passes(bundled):
    result = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v",
                             str(bundled / "one" / f"{NAME}.warc.gz")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout and "digest fail" not in result.stdout


def test_out_may_name_the_zip_and_errors_write_nothing(tmp_path):
    content = copy_fixture(tmp_path)
    named = bundle(content, tmp_path / "archive.zip", tmp_path)
    assert named.returncode == 0, named.stderr
    assert {p.name for p in tmp_path.iterdir() if p.is_file()} == {
        "archive.zip", "archive.manifest.sha256", "archive.warc.gz"}
    assert zipfile.ZipFile(tmp_path / "archive.zip").namelist()[0].startswith("archive/")
    (content / "claims/valuation.yaml").write_text("statement: [\n")
    broken = bundle(content, tmp_path / "broken", tmp_path)
    assert broken.returncode == 1 and "content/claims/valuation.yaml:1:12" in broken.stderr
    assert "Traceback" not in broken.stderr and not (tmp_path / "broken").exists()


def test_the_zip_is_deflated_and_compresses_the_site(bundled):
    archive = zipfile.ZipFile(io.BytesIO((bundled / "one" / f"{NAME}.zip").read_bytes()))
    assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}


def test_the_editors_admin_page_is_built_but_not_archived(tmp_path):
    content = copy_fixture(tmp_path)
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + "admin:\n  backend: git-gateway\n  branch: main\n")
    result = bundle(content, tmp_path / "archive", tmp_path)
    assert result.returncode == 0, result.stderr
    names = zipfile.ZipFile(tmp_path / "archive" / f"{NAME}.zip").namelist()
    assert f"{NAME}/index.html" in names
    assert not [name for name in names if name.startswith(f"{NAME}/admin/")]
    assert build(content, tmp_path / "site").ok
    assert (tmp_path / "site" / "admin" / "index.html").is_file()   # the site itself has it
