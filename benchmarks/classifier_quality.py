"""Quality of complyai's classifier on held-out data, side by side with two baselines in the same run.

    .venv/bin/python benchmarks/classifier_quality.py [--split validation|holdout] [--json out.json]

PII: strict entity-level F1 (same start, end and type) per type and overall, against Presidio's
pattern recognizers (NoOp NLP engine, as complyai runs them offline). Toxicity: ROC-AUC and F1 at 0.5,
against alt-profanity-check. Held-out data: the ``validation`` split of ../shared/data (never trained
on), our own ``holdout`` slice of its train split, or ``unseen_templates``: generator sentences whose
templates training never saw (see training/data.py). The last is the fairest PII figure: validation
rows share their templates with training rows.

PII groups, because the sources label different things:
  generator  synthetic sentences + negatives: every type, the evaluation's own label semantics (headline)
  presidio   presidio-research sentences: types whose meaning matches ours (not LOCATION/dates)
  wnut       WNUT-17 tweets: PERSON only
Needs: the shipped model, presidio-analyzer, alt-profanity-check (bench extra), ../shared/data.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the package and training/ live here

from training import data as D  # noqa: E402
from training.labels import ENTITY_TYPES  # noqa: E402
from training.metrics import binary_f1, roc_auc, span_f1  # noqa: E402

GROUPS = {
    "generator": ({"synthetic_faker", "synthetic_negative"}, list(ENTITY_TYPES)),
    "presidio": ({"presidio_synth_dataset_v2", "presidio_generated_large"},
                 ["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS"]),
    "wnut": ({"wnut17_emerging_entities"}, ["PERSON"]),
}


def presidio_analyzer():
    """Presidio patterns only, offline: the NoOp NLP engine plus the India recognizers it ships disabled."""
    import tldextract

    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=())  # no Public Suffix List download
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        InAadhaarRecognizer,
        InPanRecognizer,
        InPassportRecognizer,
    )

    nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "no_op"}])
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp)
    for rec in (InAadhaarRecognizer(), InPanRecognizer(), InPassportRecognizer()):
        registry.add_recognizer(rec)
    engine = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])
    supported = set(engine.get_supported_entities("en"))
    wanted = [t for t in ENTITY_TYPES if t in supported]

    def analyze(text: str) -> list[tuple[int, int, str]]:
        return [(r.start, r.end, r.entity_type)
                for r in engine.analyze(text=text, language="en", entities=wanted, score_threshold=0.3)]

    return analyze, wanted


def pii_section(clf, examples: list[D.PiiExample]) -> dict:
    analyze, presidio_types = presidio_analyzer()
    texts = [e.text for e in examples]
    t0 = time.perf_counter()
    model_pred = [[(s, e, k) for s, e, k, _ in p.entities] for p in clf.predict(texts)]
    t_model = time.perf_counter() - t0
    t0 = time.perf_counter()
    presidio_pred = [analyze(t) for t in texts]
    t_presidio = time.perf_counter() - t0
    out = {"texts": len(texts), "seconds": {"model": round(t_model, 2), "presidio": round(t_presidio, 2)},
           "presidio_types": presidio_types, "groups": {}}
    for group, (sources, types) in GROUPS.items():
        idx = [i for i, e in enumerate(examples) if e.source in sources]
        gold = [examples[i].spans for i in idx]
        out["groups"][group] = {
            "texts": len(idx),
            "model": span_f1(gold, [model_pred[i] for i in idx], types),
            "presidio_patterns": span_f1(gold, [presidio_pred[i] for i in idx], types),
        }
    return out


def toxicity_section(clf, examples: list[D.ToxExample]) -> dict:
    texts = [e.text for e in examples]
    y = [e.toxic for e in examples]
    model_scores = [p.toxicity for p in clf.predict(texts)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn version-mismatch warnings from the pickled model
        from profanity_check import predict_prob

        profanity_scores = [float(s) for s in predict_prob(texts)]
    out = {"texts": len(texts), "toxic": sum(y), "by_source": {}}
    for name, scores in (("model", model_scores), ("alt_profanity_check", profanity_scores)):
        out[name] = {"roc_auc": roc_auc(y, scores), "f1": binary_f1(y, scores)}
    for source in sorted({e.source for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.source == source]
        ys = [y[i] for i in idx]
        out["by_source"][source] = {
            name: {"roc_auc": roc_auc(ys, [s[i] for i in idx]), "f1": binary_f1(ys, [s[i] for i in idx])}
            for name, s in (("model", model_scores), ("alt_profanity_check", profanity_scores))
        }
    return out


def print_report(res: dict) -> None:
    print(f"complyai classifier {res['classifier']} on split '{res['split']}' ({res['provider']}, {res['precision']})\n")
    for group, g in res["pii"]["groups"].items():
        if not g["texts"]:
            continue
        print(f"PII [{group}] {g['texts']} texts — strict span F1 (P/R), model vs Presidio patterns-only")
        for t, m in g["model"].items():
            if m["support"] == 0:
                continue
            p = g["presidio_patterns"][t]
            print(f"  {t:<22} n={m['support']:<5} model {m['f1']:.3f} ({m['precision']:.2f}/{m['recall']:.2f})"
                  f"   presidio {p['f1']:.3f} ({p['precision']:.2f}/{p['recall']:.2f})")
        print()
    tox = res.get("toxicity")
    if not tox:
        return
    print(f"Toxicity {tox['texts']} texts ({tox['toxic']} toxic) — ROC-AUC / F1@0.5")
    print(f"  {'overall':<24} model {tox['model']['roc_auc']:.3f} / {tox['model']['f1']:.3f}"
          f"   alt-profanity-check {tox['alt_profanity_check']['roc_auc']:.3f} / {tox['alt_profanity_check']['f1']:.3f}")
    for source, s in tox["by_source"].items():
        print(f"  {source:<24} model {s['model']['roc_auc']:.3f} / {s['model']['f1']:.3f}"
              f"   alt-profanity-check {s['alt_profanity_check']['roc_auc']:.3f} / {s['alt_profanity_check']['f1']:.3f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--split", choices=("validation", "holdout", "unseen_templates"), default="validation")
    p.add_argument("--data", type=Path, default=D.DEFAULT_DATA)
    p.add_argument("--json", type=Path, help="also write the full results here")
    p.add_argument("--model-dir", type=Path, help="a model folder written by training/export.py (default: shipped)")
    p.add_argument("--precision", choices=("auto", "int8", "fp16"), default="auto",
                   help="fp16: the GPU's float16 model, also on a CPU (default: what this host would run)")
    args = p.parse_args(argv)
    if not args.data.exists():
        print(f"{args.data}: data folder not found (pass --data PATH/TO/shared/data)", file=sys.stderr)
        return 2
    from policy_engine.scan.classifier import load_classifier

    clf = load_classifier(prefer_gpu=True, model_dir=args.model_dir, precision=args.precision)
    if clf is None:
        print("the classifier model is not shipped in this checkout (see training/README.md)", file=sys.stderr)
        return 2
    trained = json.loads((clf.model_dir / "metadata.json").read_text()).get("training_args", {})
    held_out = bool(trained.get("hold_out_templates"))
    if args.split == "unseen_templates" and not held_out:
        print("this model was trained on every generator template, so 'unseen_templates' is not unseen for it:"
              " train with --hold-out-templates and pass --model-dir", file=sys.stderr)
        return 2
    res = {
        "classifier": f"{clf.name} {clf.version}",
        "provider": clf.provider,
        "precision": clf.precision,
        "split": args.split,
        "pii": pii_section(clf, D.load_pii(args.data, args.split, held_out)),
    }
    tox = D.load_toxicity(args.data, args.split)
    if tox:  # unseen_templates is a PII-only split
        res["toxicity"] = toxicity_section(clf, tox)
    print_report(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
