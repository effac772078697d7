"""NLU benchmark: stratified 5-fold cross-validation of the shipped pipeline and alternatives.

Writes bench/results/nlu.json (the shipped pipeline's figures under the contract's keys, and
every pipeline's figures under "pipelines") and prints a Markdown table for the README.
    python -m bench.bench_nlu [--folds 5] [--only config.yml] [--all]
By default the shipped pipeline and the one it replaced are measured (about 20 minutes each on
two cores); --all adds the spaCy-tokenised variant.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from bench.common import write_result  # noqa: E402
from sedorum.server.settings import PROJECT_ROOT  # noqa: E402

PIPELINES = {
    "config.yml (shipped: counts + MiniLM sentence embedding, linear intent model; DIET for entities)": (
        PROJECT_ROOT / "config.yml"
    ),
    "previous: counts + DIET for intents and entities": PROJECT_ROOT / "bench" / "pipelines" / "diet_sparse.yml",
}
OPTIONAL_PIPELINES = {
    "spaCy blank tokenizer + shipped features and classifiers": (
        PROJECT_ROOT / "bench" / "pipelines" / "spacy_blank.yml"
    ),
}
SHIPPED = next(iter(PIPELINES))
IGNORED_LABELS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def nlu_only_config(path: Path, workdir: Path) -> Path:
    """The pipeline part of a config (policies dropped), with the spaCy model path filled in."""
    import yaml

    config = yaml.safe_load(path.read_text())
    config["policies"] = []
    text = yaml.safe_dump(config, sort_keys=False)
    if "__SPACY_MODEL__" in text:
        from sedorum.nlp.spacy_pipeline import build_blank_pipeline

        text = text.replace("__SPACY_MODEL__", str(build_blank_pipeline(workdir / "spacy-en")))
    out = workdir / f"{path.stem}.yml"
    out.write_text(text)
    return out


def cross_validate(config: Path, folds: int, out: Path) -> dict[str, Any]:
    from rasa.nlu.test import cross_validate as rasa_cross_validate
    from rasa.shared.importers.importer import TrainingDataImporter

    data = TrainingDataImporter.load_from_dict(training_data_paths=[str(PROJECT_ROOT / "data")]).get_nlu_data()
    started = time.monotonic()
    asyncio.run(rasa_cross_validate(data, folds, str(config), str(out), disable_plotting=True, report_as_dict=True))
    intents = json.loads((out / "intent_report.json").read_text())
    per_intent = {k: round(v["f1-score"], 4) for k, v in intents.items() if k not in IGNORED_LABELS}
    entity_file = out / "DIETClassifier_report.json"
    entities = json.loads(entity_file.read_text()) if entity_file.exists() else {}
    entity_f1 = (entities.get("micro avg") or entities.get("weighted avg") or {}).get("f1-score", 0.0)
    return {
        "intent_accuracy": round(intents["accuracy"], 4),
        "intent_macro_f1": round(intents["macro avg"]["f1-score"], 4),
        "out_of_scope_recall": round(intents.get("out_of_scope", {}).get("recall", 0.0), 4),
        "entity_f1": round(entity_f1, 4),
        "per_intent_f1": per_intent,
        "per_entity_f1": {k: round(v["f1-score"], 4) for k, v in entities.items() if k not in IGNORED_LABELS},
        "examples": int(intents["macro avg"]["support"]) if "support" in intents["macro avg"] else None,
        "seconds": round(time.monotonic() - started, 1),
    }


def unseen_accuracy(config: Path, workdir: Path) -> dict[str, Any]:
    """Trains on all the data and classifies the hand-written messages that no example was made from.

    Cross-validation scores how well the examples predict each other; this is the closer
    stand-in for visitors' own wording.
    """
    from rasa.model_training import train_nlu

    from sedorum.testing.unseen import classify_unseen

    model = train_nlu(
        str(config), str(PROJECT_ROOT / "data"), output=str(workdir / "models"), fixed_model_name=config.stem
    )
    rows = classify_unseen(model)
    misses = [{"text": t, "expected": i, "predicted": p} for i, t, p in rows if i != p]
    return {
        "unseen_messages": len(rows),
        "unseen_accuracy": round(1 - len(misses) / len(rows), 4),
        "unseen_misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only", help="benchmark only the pipeline whose file name contains this")
    parser.add_argument("--all", action="store_true", help="also measure the optional comparison pipelines")
    args = parser.parse_args()
    pipelines = {**PIPELINES, **(OPTIONAL_PIPELINES if args.all or args.only else {})}
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for index, (label, path) in enumerate(pipelines.items(), start=1):
            if args.only and args.only not in path.name:
                continue
            print(f"==> [{index}/{len(pipelines)}] {args.folds}-fold cross-validation: {label}", flush=True)
            out = workdir / f"cv-{index}"
            config = nlu_only_config(path, workdir)  # built once: the spaCy variant builds a pipeline
            results[label] = {
                "file": str(path.relative_to(PROJECT_ROOT)),
                **cross_validate(config, args.folds, out),
                **unseen_accuracy(config, workdir),
            }
            r = results[label]
            print(
                f"    accuracy {r['intent_accuracy']:.3f}  macro-F1 {r['intent_macro_f1']:.3f}  "
                f"out_of_scope recall {r['out_of_scope_recall']:.3f}  entity F1 {r['entity_f1']:.3f}  "
                f"unseen accuracy {r['unseen_accuracy']:.3f}  "
                f"({r['seconds']} s)",
                flush=True,
            )
    shipped = results.get(SHIPPED) or next(iter(results.values()))
    write_result(
        "nlu",
        {
            **{
                k: shipped[k]
                for k in ("intent_accuracy", "intent_macro_f1", "out_of_scope_recall", "entity_f1", "per_intent_f1")
            },
            "folds": args.folds,
            "pipeline": shipped["file"],
            "pipelines": results,
        },
    )
    print(
        "\n| pipeline | intent accuracy | intent macro-F1 | out_of_scope recall | entity F1 "
        "| unseen messages accuracy | time (s) |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, r in results.items():
        print(
            f"| {label} | {r['intent_accuracy']:.3f} | {r['intent_macro_f1']:.3f} | "
            f"{r['out_of_scope_recall']:.3f} | {r['entity_f1']:.3f} | {r['unseen_accuracy']:.3f} | {r['seconds']} |"
        )


if __name__ == "__main__":
    main()
