"""NLU benchmark: stratified 5-fold cross-validation of the shipped pipeline and alternatives.

Writes bench/results/nlu.json (the shipped pipeline's figures under the published result keys, and
every pipeline's figures under "pipelines") and prints a Markdown table for docs/nlu.md.
    python -m bench.bench_nlu [--folds 5] [--seed 2026] [--only config.yml] [--all] [--intents-only]
By default the shipped pipeline and the one it replaced are measured (about 20 minutes each on
two cores); --all adds the spaCy-tokenised variant.

The folds are drawn from a fixed, declared seed, so every pipeline is measured on the same
splits (a paired comparison) and a re-run with the same data gives the same figures; Rasa's
own cross-validation shuffles with NumPy's global generator and no seed.

--intents-only drops the entity model (DIET is entities-only in the shipped pipeline, so the
intent figures are exactly the full run's) and writes nothing: a loop of a few minutes for data
work, where the full run takes twenty.
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
from sedorum.settings import PROJECT_ROOT  # noqa: E402

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
DEFAULT_SEED = 2026
ENTITY_ONLY_COMPONENTS = {"DIETClassifier", "EntitySynonymMapper"}


def nlu_only_config(path: Path, workdir: Path, intents_only: bool = False) -> Path:
    """The pipeline part of a config (policies dropped), with the spaCy model path filled in."""
    import yaml

    config = yaml.safe_load(path.read_text())
    config["policies"] = []
    if intents_only:
        pipeline = config["pipeline"]
        if any(c["name"] == "DIETClassifier" and c.get("intent_classification", True) for c in pipeline):
            raise SystemExit(f"{path.name}: DIET classifies intents there, --intents-only would change them")
        config["pipeline"] = [c for c in pipeline if c["name"] not in ENTITY_ONLY_COMPONENTS]
    text = yaml.safe_dump(config, sort_keys=False)
    if "__SPACY_MODEL__" in text:
        from sedorum.nlp.spacy_pipeline import build_blank_pipeline

        text = text.replace("__SPACY_MODEL__", str(build_blank_pipeline(workdir / "spacy-en")))
    out = workdir / f"{path.stem}.yml"
    out.write_text(text)
    return out


def cross_validate(
    config: Path, folds: int, out: Path, seed: int = DEFAULT_SEED, errors: bool = False, data_dir: Path | None = None
) -> dict[str, Any]:
    import numpy as np
    from rasa.nlu.test import cross_validate as rasa_cross_validate
    from rasa.shared.importers.importer import TrainingDataImporter

    data_dir = data_dir or PROJECT_ROOT / "data"
    data = TrainingDataImporter.load_from_dict(training_data_paths=[str(data_dir)]).get_nlu_data()
    started = time.monotonic()
    # Rasa's StratifiedKFold(shuffle=True) takes no seed and draws from NumPy's global generator.
    np.random.seed(seed)
    asyncio.run(
        rasa_cross_validate(
            data, folds, str(config), str(out), disable_plotting=True, report_as_dict=True, errors=errors
        )
    )
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

    from evaluation.unseen import classify_unseen

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


def print_confusions(errors_file: Path, save_to: Path | None, top: int = 15) -> None:
    """The most frequent (expected -> predicted) pairs among the cross-validation errors."""
    from collections import Counter

    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    pairs = Counter((e["intent"], (e.get("intent_prediction") or {}).get("name")) for e in errors)
    for (expected, predicted), count in pairs.most_common(top):
        print(f"    {count:3d}  {expected} -> {predicted}", flush=True)
    if save_to:
        save_to.write_text(json.dumps(errors, indent=1, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the fold split")
    parser.add_argument("--intents-only", action="store_true", help="no entity model, no unseen check, no file")
    parser.add_argument("--errors-out", type=Path, help="with --intents-only: save the misclassified examples here")
    parser.add_argument("--config", type=Path, help="with --intents-only: measure this config file instead (trials)")
    parser.add_argument("--data", type=Path, help="with --intents-only: a copy of data/ to measure instead (trials)")
    parser.add_argument("--only", help="benchmark only the pipeline whose file name contains this")
    parser.add_argument("--all", action="store_true", help="also measure the optional comparison pipelines")
    args = parser.parse_args()
    pipelines = {**PIPELINES, **(OPTIONAL_PIPELINES if args.all or args.only else {})}
    if (args.config or args.data) and not args.intents_only:
        parser.error("--config and --data are for trials: use them with --intents-only")
    if args.config:
        pipelines = {f"trial: {args.config}": args.config.resolve()}
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for index, (label, path) in enumerate(pipelines.items(), start=1):
            if args.only and args.only not in path.name:
                continue
            print(f"==> [{index}/{len(pipelines)}] {args.folds}-fold cross-validation: {label}", flush=True)
            out = workdir / f"cv-{index}"
            # Built once: the spaCy variant builds a pipeline.
            config = nlu_only_config(path, workdir, intents_only=args.intents_only)
            results[label] = {
                "file": str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path),
                **cross_validate(config, args.folds, out, seed=args.seed, errors=args.intents_only, data_dir=args.data),
            }
            r = results[label]
            if args.intents_only:
                print(
                    f"    accuracy {r['intent_accuracy']:.4f}  macro-F1 {r['intent_macro_f1']:.4f}  "
                    f"out_of_scope recall {r['out_of_scope_recall']:.4f}  ({r['seconds']} s)",
                    flush=True,
                )
                weakest = sorted(r["per_intent_f1"].items(), key=lambda kv: kv[1])[:8]
                print("    weakest: " + ", ".join(f"{k} {v:.3f}" for k, v in weakest), flush=True)
                print_confusions(out / "intent_errors.json", args.errors_out)
                continue
            r.update(unseen_accuracy(config, workdir))
            print(
                f"    accuracy {r['intent_accuracy']:.3f}  macro-F1 {r['intent_macro_f1']:.3f}  "
                f"out_of_scope recall {r['out_of_scope_recall']:.3f}  entity F1 {r['entity_f1']:.3f}  "
                f"unseen accuracy {r['unseen_accuracy']:.3f}  "
                f"({r['seconds']} s)",
                flush=True,
            )
    if args.intents_only:
        return
    shipped = results.get(SHIPPED) or next(iter(results.values()))
    write_result(
        "nlu",
        {
            **{
                k: shipped[k]
                for k in ("intent_accuracy", "intent_macro_f1", "out_of_scope_recall", "entity_f1", "per_intent_f1")
            },
            "folds": args.folds,
            "fold_seed": args.seed,
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
