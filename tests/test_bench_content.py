"""The benchmark's generated content passes `check --strict`, so `bench/run.py` can start: the
generator must follow every validation rule the engine adds (disputed accounts among the
event's sources, for one)."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from generate import check_strict, generate  # noqa: E402


def test_generated_content_passes_strict_check(tmp_path):
    generate(tmp_path, 300)
    assert list((tmp_path / "content" / "events").glob("*.yaml")), "no events were generated"
    disputed = [p for p in (tmp_path / "content" / "events").glob("*.yaml")
                if "disputed:" in p.read_text("utf-8")]
    assert disputed, "no disputed event: the test would not exercise the accounts rule"
    passed, output = check_strict(tmp_path / "content")
    assert passed, output[-3000:]
