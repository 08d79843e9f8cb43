"""Site search: Pagefind indexes the built HTML, and this module makes its index reproducible.

The index is written into the folder about to be published (the staging folder, before the
swap; a streaming build starts `Indexing` once the HTML is there and finishes it at the
commit), so a failed index fails the build and nothing is half-written. The dev server
refreshes it in place after each rebuild (`refresh_index`).

Pagefind 1.5.2 writes its filters in hash-map order, which changes from one run to the next;
`_canonicalise` sorts them and renames the files whose content changed, so the same site
always gives byte-identical index files.

Templates decide what is indexed: pages whose <main> carries data-pagefind-body (item pages),
with the kind, date and topic from `page_fields` as Pagefind metadata and filters.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

INDEX_FOLDER = "pagefind"
SIGNATURE = b"pagefind_dcd"
# Page kinds that get a search entry, and the string (engine/translations) that names them.
# Lists (home, timelines, indexes, corrections) only repeat their items' text, so every hit
# would come twice; the search page, 404 and redirects are not content.
INDEXED_KINDS = {"claim": "claim", "event": "event", "source": "source", "entity": "entity",
                 "page": "page"}


UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
          "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js")


class SearchIndexError(Exception):
    """Pagefind failed or wrote something this module does not understand."""


def executable() -> Path:
    try:
        from pagefind_bin import get_executable
        return get_executable()
    except (ImportError, FileNotFoundError) as error:
        raise SearchIndexError("Pagefind is not installed: run `pip install -r requirements.txt` "
                               f"(it pins pagefind[bin]) ({error})") from None


def index_site(site: Path) -> None:
    """Writes the search index of the HTML in `site` to site/pagefind/."""
    Indexing(site, site / INDEX_FOLDER).finish()


def index_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """The search index of a site held in memory (path -> bytes), as path -> bytes."""
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        for path, data in files.items():
            if path.endswith(".html"):
                (site / path).parent.mkdir(parents=True, exist_ok=True)
                (site / path).write_bytes(data)
        index_site(site)
        return {p.relative_to(site).as_posix(): p.read_bytes()
                for p in sorted((site / INDEX_FOLDER).rglob("*")) if p.is_file()}


def refresh_index(site: Path) -> None:
    """Rebuilds the index of a folder in use (the dev server's): written aside, then swapped in."""
    fresh = site / f".{INDEX_FOLDER}-new"
    shutil.rmtree(fresh, ignore_errors=True)
    Indexing(site, fresh).finish()
    current = site / INDEX_FOLDER
    if current.exists():
        retired = site / f".{INDEX_FOLDER}-old"
        shutil.rmtree(retired, ignore_errors=True)
        os.rename(current, retired)
        os.rename(fresh, current)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.rename(fresh, current)


def _die_with_parent() -> None:
    """In the Pagefind process, before it starts (Linux): killed when the build is killed. An
    indexer left running would go on writing into a staging folder the next build has removed."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)   # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        pass


class Indexing:
    """Pagefind at work on a folder: started, then finished (waited for, checked and made
    reproducible) or cancelled. A streaming build starts it once the HTML is written and draws
    the social cards while it runs.

    Pagefind runs as a service and is handed the pages one by one, sorted by path. Its command
    line instead numbers pages in the order the file system lists them, and that order is not
    the same from one disk to another (ext4 orders by a hash seeded per disk, tmpfs by creation),
    so the same site gave different index bytes on another machine. The service answers in the
    order it was asked (checked: an answer out of order fails the index rather than leave it
    unreproducible), so the pages are sent without waiting for each answer."""

    def __init__(self, site: Path, target: Path):
        self.site, self.target = site, target
        shutil.rmtree(target, ignore_errors=True)
        # A clean environment and an empty working folder: Pagefind reads PAGEFIND_* variables
        # and a pagefind.yml from where it runs, and neither may change the output. Its messages
        # go to a file, not a pipe nobody reads while it runs.
        self._workdir = tempfile.TemporaryDirectory()
        self._log = tempfile.TemporaryFile("w+", encoding="utf-8")
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
        self.process = subprocess.Popen(
            [str(executable()), "--service"], cwd=self._workdir.name, env=environment,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            preexec_fn=_die_with_parent)
        self._failure: str | None = None
        self._worker = threading.Thread(target=self._run, name="pagefind", daemon=True)
        self._worker.start()

    # --- the conversation with the service (on the worker thread) ---
    def _run(self) -> None:
        try:
            self._converse()
        except (OSError, ValueError, KeyError, TypeError, SearchIndexError) as error:
            self._failure = self._failure or str(error) or type(error).__name__
            if self.process.poll() is None:
                self.process.kill()

    def _converse(self) -> None:
        answers = _Answers(self.process.stdout)
        self._send(1, {"type": "NewIndex", "config": None})
        index = answers.expect(1, "NewIndex")["index_id"]
        pages = sorted(path.relative_to(self.site).as_posix() for path in self.site.rglob("*.html")
                       if path.is_file() and not path.is_relative_to(self.target))
        writer = threading.Thread(target=self._send_pages, args=(index, pages), daemon=True)
        writer.start()
        for number in range(len(pages)):
            answers.expect(2 + number, "IndexedFile")
        writer.join()
        # The files come back in the answer and are written here: asked to write them itself,
        # the service answered before its last file was on disk.
        last = 2 + len(pages)
        self._send(last, {"type": "GetFiles", "index_id": index})
        files = answers.expect(last, "GetFiles")["files"]
        self.process.stdin.close()
        for file in files:
            relative = Path(file["path"])
            if relative.is_absolute() or ".." in relative.parts:
                raise SearchIndexError(f"Pagefind named a file outside its folder: {file['path']!r}")
            if relative.as_posix() in UNUSED:   # the search page uses Pagefind's JS API, not its UIs
                continue
            (self.target / relative).parent.mkdir(parents=True, exist_ok=True)
            (self.target / relative).write_bytes(base64.b64decode(file["content"]))

    def _send_pages(self, index: int, pages: list[str]) -> None:
        try:
            for number, relative in enumerate(pages, 2):
                url = "/" + relative.removesuffix("index.html")
                self._send(number, {"type": "AddFile", "index_id": index, "url": url, "file_path": None,
                                    "file_contents": (self.site / relative).read_text("utf-8")})
            self.process.stdin.flush()
        except (OSError, ValueError) as error:
            # a page that cannot be read, or the service stopped: stopping it ends the reader's
            # wait, and the first failure recorded is the one reported
            self._failure = self._failure or f"{type(error).__name__}: {error}"
            if self.process.poll() is None:
                self.process.kill()

    def _send(self, number: int, payload: dict) -> None:
        message = json.dumps({"message_id": number, "payload": payload}).encode("utf-8")
        self.process.stdin.write(base64.b64encode(message) + b",")
        if payload["type"] != "AddFile":
            self.process.stdin.flush()

    # --- the build's side ---
    def finish(self) -> None:
        try:
            self._worker.join()
            returncode = self.process.wait()
            self._log.seek(0)
            message = self._failure or self._log.read().strip()[-1000:]
        finally:
            self._close()
        target = self.target
        if self._failure or returncode != 0 or not (target / "pagefind-entry.json").is_file():
            shutil.rmtree(target, ignore_errors=True)
            raise SearchIndexError(f"Pagefind could not index {self.site}: {message or 'no index written'}")
        try:
            _canonicalise(target)
        except (ValueError, KeyError, IndexError, TypeError, OSError) as error:
            shutil.rmtree(target, ignore_errors=True)
            raise SearchIndexError(f"unexpected Pagefind index format in {target}: {error}") from None

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._worker.join()
        self._close()
        shutil.rmtree(self.target, ignore_errors=True)

    def _close(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self._log.close()
        self._workdir.cleanup()


class _Answers:
    """The service's answers: base64 JSON, each ended by a comma."""

    def __init__(self, stream):
        self.stream, self.buffer = stream, bytearray()

    def expect(self, number: int, kind: str) -> dict:
        while (end := self.buffer.find(b",")) < 0:
            chunk = self.stream.read1(1 << 16)
            if not chunk:
                raise SearchIndexError("the Pagefind service stopped before it answered")
            self.buffer.extend(chunk)
        answer = json.loads(base64.b64decode(bytes(self.buffer[:end])))
        del self.buffer[:end + 1]
        payload = answer["payload"]
        if payload.get("type") == "Error":
            raise SearchIndexError(str(payload.get("message"))[:1000])
        if answer.get("message_id") != number or payload.get("type") != kind:
            raise SearchIndexError(f"Pagefind answered out of order (message {answer.get('message_id')} "
                                   f"{payload.get('type')}, expected {number} {kind})")
        return payload


# --- a reproducible index -------------------------------------------------------------------------

def _canonicalise(bundle: Path) -> None:
    """Sorts the filter values and filters Pagefind wrote in hash-map order, renaming the files
    by their new content and updating the references to them."""
    entry_path = bundle / "pagefind-entry.json"
    entry_text = entry_path.read_text("utf-8")
    for language, info in json.loads(entry_text)["languages"].items():
        meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta = _read(meta_path)
        filters = meta[3]   # [version, pages, index chunks, filters, sorts, meta fields]
        if not isinstance(filters, list) or not all(isinstance(f, list) and len(f) == 2 for f in filters):
            raise ValueError("the filter list is not [name, hash] pairs")
        for pair in filters:
            old_path = bundle / "filter" / f"{pair[1]}.pf_filter"
            name, values = _read(old_path)
            values.sort(key=lambda value: value[0])
            data = _encode_file([name, values])
            pair[1] = f"{language}_{hashlib.sha256(data).hexdigest()[:7]}"
            old_path.unlink()
            (bundle / "filter" / f"{pair[1]}.pf_filter").write_bytes(data)
        filters.sort(key=lambda pair: pair[0])
        data = _encode_file(meta)
        new_hash = f"{language}_{hashlib.sha256(data).hexdigest()[:13]}"
        meta_path.unlink()
        (bundle / f"pagefind.{new_hash}.pf_meta").write_bytes(data)
        entry_text = entry_text.replace(f'"hash":"{info["hash"]}"', f'"hash":"{new_hash}"')
    entry_path.write_text(entry_text, encoding="utf-8")


def _read(path: Path):
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path.name} is not a Pagefind file")
    value, end = _decode(data, len(SIGNATURE))
    if end != len(data) or _encode(value) != data[len(SIGNATURE):]:
        raise ValueError(f"{path.name} does not read back to the same bytes")
    return value


def _encode_file(value) -> bytes:
    return gzip.compress(SIGNATURE + _encode(value), compresslevel=9, mtime=0)


# The little CBOR (RFC 8949) Pagefind's files use: integers, strings, byte strings, arrays.
def _decode(data: bytes, at: int):
    major, info = data[at] >> 5, data[at] & 31
    at += 1
    if info < 24:
        number = info
    elif info <= 27:
        size = 1 << (info - 24)
        number, at = int.from_bytes(data[at:at + size], "big"), at + size
    else:
        raise ValueError(f"unsupported CBOR item at byte {at - 1}")
    if major == 0:
        return number, at
    if major == 1:
        return -1 - number, at
    if major in (2, 3):
        raw = data[at:at + number]
        return (bytes(raw) if major == 2 else raw.decode("utf-8")), at + number
    if major == 4:
        items = []
        for _ in range(number):
            item, at = _decode(data, at)
            items.append(item)
        return items, at
    raise ValueError(f"unsupported CBOR type {major} at byte {at - 1}")


def _head(major: int, number: int) -> bytes:
    if number < 24:
        return bytes([major << 5 | number])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if number < 1 << (8 * size):
            return bytes([major << 5 | info]) + number.to_bytes(size, "big")
    raise ValueError("number too large")


def _encode(value) -> bytes:
    if isinstance(value, bool):
        raise ValueError("unexpected boolean")
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(_encode(item) for item in value)
    raise ValueError(f"unexpected value {value!r}")


# --- what each page tells the index ---------------------------------------------------------------

def page_fields(page, topics_by_id: dict, strings: dict[str, str], fuzzy, day) -> dict | None:
    """The kind, date, topic and (for a claim) status a page shows in search results; None for
    pages left out.
    The date is the item's own (when a claim was made, an event happened, a source was
    published), else when the page was last updated."""
    if page.kind not in INDEXED_KINDS:
        return None
    item = page.context.get(page.kind)
    own_date = getattr(item, "published" if page.kind == "source" else "date", None) \
        if page.kind in ("claim", "event", "source") else None
    topic = topics_by_id.get(getattr(item, "topic", None))
    status = page.context.get("status") if page.kind == "claim" else None
    return {"kind": strings[INDEXED_KINDS[page.kind]],
            "date": fuzzy(own_date) if own_date else day(page.updated),
            "topic": topic.label if topic else None,
            "status": f"{status.symbol} {status.label}" if status else None}
