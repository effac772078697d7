"""Precision and recall of the deterministic emergency safety net on a labelled set.

    python bench/bench_emergency.py            # prints the scores and any mistakes
    from bench.bench_emergency import run      # -> {"emergency_precision", "emergency_recall", "n", ...}

The labelled set (bench/data/emergency_labelled.yml) is a hold-out: it was written before
the detector and must not be used to tune it item by item.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "emergency_labelled.yml"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sedorum.safety.emergency import detect_emergency  # noqa: E402


def load_items(path: Path = DATA) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = data["items"] if isinstance(data, dict) else data
    for item in items:
        if not isinstance(item.get("text"), str) or not isinstance(item.get("emergency"), bool):
            raise ValueError(f"bad labelled item: {item!r}")
    return items


def run(path: Path | str = DATA) -> dict[str, Any]:
    """Score detect_emergency on the labelled set.

    Returns {"emergency_precision", "emergency_recall", "n", "tp", "fp", "fn", "tn",
             "false_positives", "false_negatives", "by_batch", "ms_per_message"}.
    """
    items = load_items(Path(path))
    tp = fp = fn = tn = 0
    false_pos: list[str] = []
    false_neg: list[str] = []
    batches: dict[str, list[int]] = {}  # batch -> [tp, fp, fn, tn]
    started = time.perf_counter()
    for item in items:
        predicted = detect_emergency(item["text"]) is not None
        cell = batches.setdefault(str(item.get("batch", 1)), [0, 0, 0, 0])
        cell[(0 if item["emergency"] else 1) if predicted else (2 if item["emergency"] else 3)] += 1
        if predicted and item["emergency"]:
            tp += 1
        elif predicted:
            fp += 1
            false_pos.append(item["text"])
        elif item["emergency"]:
            fn += 1
            false_neg.append(item["text"])
        else:
            tn += 1
    elapsed = time.perf_counter() - started
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "emergency_precision": round(precision, 4),
        "emergency_recall": round(recall, 4),
        "n": len(items),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "false_positives": false_pos,
        "false_negatives": false_neg,
        "by_batch": {
            b: {
                "n": sum(c),
                "precision": round(c[0] / (c[0] + c[1]), 4) if c[0] + c[1] else 1.0,
                "recall": round(c[0] / (c[0] + c[2]), 4) if c[0] + c[2] else 1.0,
            }
            for b, c in sorted(batches.items())
        },
        "ms_per_message": round(1000 * elapsed / max(1, len(items)), 3),
    }


def main() -> None:
    result = run()
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
