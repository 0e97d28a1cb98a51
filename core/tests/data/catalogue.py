"""The catalogue of bad inputs for the Python hosts (the pyo3 module and the UniFFI bindings).

Both hosts' runners import this file, so reading the catalogue, patching the bundled sample and
parsing its instants is written once for Python; Rust and Kotlin have their own readers.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE: dict[str, Any] = json.loads((ROOT / "core/tests/data/bad_inputs.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = CATALOGUE["cases"]
SAMPLE_TEXT = (ROOT / CATALOGUE["fixture"]).read_text(encoding="utf-8")


def when(text: str) -> datetime:
    """An RFC 3339 instant of the catalogue as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def patched_sample(patch: list[dict[str, Any]]) -> str:
    """The bundled sample with a case's patch applied: set a value, append to a list, or remove."""
    doc = json.loads(SAMPLE_TEXT)
    for step in patch:
        *parents, last = step["path"]
        node = doc
        for key in parents:
            node = node[key]
        if step.get("remove"):
            del node[last]
        elif "append" in step:
            node[last].append(copy.deepcopy(step["append"]))
        else:
            node[last] = copy.deepcopy(step["value"])
    return json.dumps(doc)


def restore_text(case: dict[str, Any]) -> str:
    """The text a `restore_text` case restores: given, or the sample cut short."""
    return SAMPLE_TEXT[: case["truncate"]] if "truncate" in case else case["text"]


def case_ids() -> list[str]:
    return [case["name"] for case in CASES]
