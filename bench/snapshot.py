"""What an output folder holds, to tell which files a build wrote: (inode, mtime, size) per file.

The engine hard-links unchanged files from the previous build and swaps the whole folder in
one step, so a file it did not rewrite keeps its inode and mtime even when the folder is new.
"""
from __future__ import annotations

import os
from pathlib import Path

FOLDER = "."   # the key under which the output folder's own inode is kept


def snapshot(out: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under out, relative path -> (inode, mtime_ns, size); {} when out is missing."""
    found: dict[str, tuple[int, int, int]] = {}
    try:
        top = os.stat(out)
    except FileNotFoundError:
        return found
    found[FOLDER] = (top.st_ino, 0, 0)
    stack = [str(out)]
    prefix = len(str(out)) + 1
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    st = entry.stat(follow_symlinks=False)
                    found[entry.path[prefix:]] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return found


def changed_files(before: dict, after: dict) -> int:
    """Files written, added or removed between two snapshots (the folder itself not counted)."""
    keys = (set(before) | set(after)) - {FOLDER}
    return sum(1 for key in keys if before.get(key) != after.get(key))


def pages(found: dict) -> int:
    return sum(1 for key in found if key.endswith(".html"))
