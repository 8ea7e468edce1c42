"""Fine-tune MiniLM-L6 on PII token tagging + toxicity, seeded and reproducible.

    .venv/bin/python -m training.train --out build/classifier            # the shipped configuration
    .venv/bin/python -m training.train --tiny --max-steps 2 --out /tmp/x  # smoke run, seconds

Batches hold one task each (PII or toxicity), interleaved at random; the toxicity subtype heads are
trained only on the rows whose source annotates that subtype (see training/labels.py).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

from training import augment
from training import data as D
from training.labels import BIO_LABELS, IGNORE, SUBTYPES, TOXICITY_OUTPUTS
from training.metrics import binary_f1, roc_auc, span_f1
from training.model import ModelConfig, MultiTaskModel, load_pretrained, minilm_dir

SHIPPED_TOKENIZER = Path(__file__).resolve().parents[1] / "policy_engine" / "data" / "classifier" / "tokenizer.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=D.DEFAULT_DATA, help="the shared/data folder")
    p.add_argument("--out", type=Path, required=True, help="where the checkpoint and its config go")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--n-pii", type=int, default=14000, help="PII training sentences (sampled)")
    p.add_argument("--n-aug", type=int, default=5000,
                   help="template-free composed PII examples added (training/augment.py)")
    p.add_argument("--n-cells", type=int, default=3000, help="bare-value 'table cell' examples added")
    p.add_argument("--n-tox", type=int, default=12000, help="toxicity training texts (sampled)")
    p.add_argument("--n-benign-pii", type=int, default=1500,
                   help="PII sentences added to the toxicity task as non-toxic examples")
    p.add_argument("--epochs", type=float, default=1.3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-len", type=int, default=128, help="tokens per window, [CLS] and [SEP] included")
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--layers", type=int, default=6, help="encoder layers kept from MiniLM-L6")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: no limit)")
    p.add_argument("--eval-n", type=int, default=1500, help="validation texts per task for the final eval")
    p.add_argument("--hold-out-templates", action="store_true",
                   help="never train on 1 in 7 generator templates (to measure on split unseen_templates)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--tiny", action="store_true", help="random 1-layer model, tiny slice: for smoke tests")
    return p.parse_args(argv)


def load_tokenizer(tiny: bool):
    from tokenizers import Tokenizer

    path = SHIPPED_TOKENIZER if tiny and SHIPPED_TOKENIZER.exists() else minilm_dir() / "tokenizer.json"
    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


def special_ids(tok) -> dict[str, int]:
    return {"cls": tok.token_to_id("[CLS]"), "sep": tok.token_to_id("[SEP]"), "pad": tok.token_to_id("[PAD]")}


def encode_pii(tok, examples: list[D.PiiExample], max_len: int) -> list[tuple[list[int], list[int]]]:
    sp = special_ids(tok)
    out = []
    for ex, enc in zip(examples, tok.encode_batch([e.text for e in examples], add_special_tokens=False), strict=True):
        n = max_len - 2  # training texts are short; the few longer ones are cut (inference windows them)
        labels = D.token_labels(enc.offsets[:n], ex)
        out.append(([sp["cls"], *enc.ids[:n], sp["sep"]], [IGNORE, *labels, IGNORE]))
    return out


def encode_tox(tok, examples: list[D.ToxExample], max_len: int) -> list[tuple[list[int], list[float], list[float]]]:
    sp = special_ids(tok)
    out = []
    for ex, enc in zip(examples, tok.encode_batch([e.text for e in examples], add_special_tokens=False), strict=True):
        target = [float(ex.toxic)] + [float(ex.subtypes.get(s, 0)) for s in SUBTYPES]
        mask = [1.0] + [1.0 if s in ex.subtypes else 0.0 for s in SUBTYPES]
        out.append(([sp["cls"], *enc.ids[: max_len - 2], sp["sep"]], target, mask))
    return out


def length_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, then sort by length inside pools of 50 batches: little padding, still random order."""
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    pool = batch_size * 50
    batches = []
    for i in range(0, len(idx), pool):
        chunk = sorted(idx[i : i + pool], key=lambda j: lengths[j])
        batches += [chunk[k : k + batch_size] for k in range(0, len(chunk), batch_size)]
    return batches


def pad(seqs: list[list[int]], value: int) -> torch.Tensor:
    width = max(len(s) for s in seqs)
    return torch.tensor([s + [value] * (width - len(s)) for s in seqs], dtype=torch.long)


def build_model(args: argparse.Namespace) -> MultiTaskModel:
    if args.tiny:
        cfg = ModelConfig(hidden=32, layers=1, heads=2, intermediate=64, n_bio=len(BIO_LABELS),
                          n_seq=len(TOXICITY_OUTPUTS))
        return MultiTaskModel(cfg)
    cfg = ModelConfig(layers=args.layers, n_bio=len(BIO_LABELS), n_seq=len(TOXICITY_OUTPUTS))
    model = MultiTaskModel(cfg)
    load_pretrained(model, minilm_dir() / "model.safetensors")
    # The pretrained word embeddings stay as they are: they are half the parameters, and updating
    # them costs optimiser time on a CPU without helping a tagger whose vocabulary is fixed.
    model.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


@torch.no_grad()
def predict_torch(model: MultiTaskModel, tok, texts: list[str], max_len: int, batch_size: int = 64):
    """Token probabilities and offsets per text, and sigmoid outputs: the eval path of training."""
    from policy_engine.scan.classifier import decode_bio

    model.eval()
    sp = special_ids(tok)
    encs = tok.encode_batch(texts, add_special_tokens=False)
    entities, seq = [None] * len(texts), np.zeros((len(texts), len(TOXICITY_OUTPUTS)), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
    for k in range(0, len(order), batch_size):
        rows = order[k : k + batch_size]
        ids = [[sp["cls"], *encs[i].ids[: max_len - 2], sp["sep"]] for i in rows]
        input_ids = pad(ids, sp["pad"])
        mask = (torch.arange(input_ids.shape[1])[None, :] < torch.tensor([len(s) for s in ids])[:, None]).long()
        tl, sl = model(input_ids, mask)
        probs = torch.softmax(tl, dim=-1).numpy()
        for r, i in enumerate(rows):
            n = len(ids[r]) - 2
            entities[i] = decode_bio(probs[r, 1 : n + 1], encs[i].offsets[:n], texts[i], BIO_LABELS)
        seq[rows] = torch.sigmoid(sl).numpy()
    return entities, seq


def evaluate(model, tok, pii: list[D.PiiExample], tox: list[D.ToxExample], max_len: int) -> dict:
    from training.labels import ENTITY_TYPES

    ents, _ = predict_torch(model, tok, [e.text for e in pii], max_len)
    f1 = span_f1([e.spans for e in pii], [[(s, e, t) for s, e, t, _ in p] for p in ents], ENTITY_TYPES)
    _, seq = predict_torch(model, tok, [e.text for e in tox], max_len)
    y = [e.toxic for e in tox]
    return {
        "pii_f1": {t: round(v["f1"], 4) for t, v in f1.items() if v["support"]},
        "toxicity_roc_auc": round(roc_auc(y, seq[:, 0].tolist()), 4),
        "toxicity_f1": round(binary_f1(y, seq[:, 0].tolist()), 4),
    }


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    if not args.data.exists():
        raise SystemExit(f"{args.data}: training data folder not found (pass --data PATH/TO/shared/data)")
    if args.tiny:
        args.n_pii, args.n_tox, args.eval_n = min(args.n_pii, 24), min(args.n_tox, 24), min(args.eval_n, 16)
        args.n_cells, args.n_benign_pii = min(args.n_cells, 4), min(args.n_benign_pii, 4)
        args.n_aug = min(args.n_aug, 8)

    tok = load_tokenizer(args.tiny)
    pii_train = D.sample_pii(D.load_pii(args.data, "train", args.hold_out_templates), args.n_pii, rng)
    tox_all = D.load_toxicity(args.data, "train")
    # Neutral filler for the composed examples: non-toxic train rows, not Davidson's tweets nor the madlibs
    # (full of unlabelled @handles and first names that would teach "O" for people).
    filler = [e.text for e in tox_all if not e.toxic and e.source not in ("davidson2017", "bias_madlibs_77k")]
    composed = augment.augmented_examples(pii_train, filler, args.n_aug, rng)
    pii_train += D.cell_examples(pii_train, args.n_cells, rng)
    pii_train += composed
    tox_train = D.sample_toxicity(tox_all, args.n_tox, rng)
    tox_train += D.benign_pii_texts(pii_train, args.n_benign_pii, rng)
    pii_items = encode_pii(tok, pii_train, args.max_len)
    tox_items = encode_tox(tok, tox_train, args.max_len)
    n_pos = sum(1 for _, t, _ in tox_items if t[0] == 1.0)
    pos_weight = torch.tensor([(len(tox_items) - n_pos) / max(n_pos, 1)] + [1.0] * len(SUBTYPES))

    model = build_model(args)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    epochs = max(1, int(np.ceil(args.epochs)))
    plan: list[tuple[str, list[int]]] = []
    for _ in range(epochs):
        batches = [("pii", b) for b in length_batches([len(x[0]) for x in pii_items], args.batch_size, rng)]
        batches += [("tox", b) for b in length_batches([len(x[0]) for x in tox_items], args.batch_size, rng)]
        rng.shuffle(batches)
        plan += batches
    plan = plan[: int(len(plan) * args.epochs / epochs)]
    if args.max_steps:
        plan = plan[: args.max_steps]
    warmup = max(1, len(plan) // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (len(plan) - s) / max(1, len(plan) - warmup)))
    )
    pad_id = special_ids(tok)["pad"]
    bce = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=pos_weight)
    start, log = time.time(), []
    model.train()
    for step, (task, rows) in enumerate(plan):
        if task == "pii":
            ids = pad([pii_items[i][0] for i in rows], pad_id)
            labels = pad([pii_items[i][1] for i in rows], IGNORE)
            tl, _ = model(ids, (ids != pad_id).long())
            loss = torch.nn.functional.cross_entropy(tl.reshape(-1, tl.shape[-1]), labels.reshape(-1),
                                                     ignore_index=IGNORE)
        else:
            ids = pad([tox_items[i][0] for i in rows], pad_id)
            target = torch.tensor([tox_items[i][1] for i in rows])
            mask = torch.tensor([tox_items[i][2] for i in rows])
            _, sl = model(ids, (ids != pad_id).long())
            per = bce(sl, target) * mask
            # The toxic output weighs 1, the four sparse subtype outputs 0.5 together.
            loss = per[:, 0].mean() + 0.5 * per[:, 1:].sum() / mask[:, 1:].sum().clamp(min=1.0)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        log.append((task, loss.item()))
        if step % 50 == 0 or step == len(plan) - 1:
            recent = [v for t, v in log[-100:] if t == task]
            print(f"step {step + 1}/{len(plan)} {task} loss {np.mean(recent):.4f} "
                  f"{time.time() - start:.0f}s", flush=True)

    train_seconds = time.time() - start
    val_pii = D.sample_pii(D.load_pii(args.data, "validation", args.hold_out_templates), args.eval_n, random.Random(args.seed))
    val_tox = D.load_toxicity(args.data, "validation")
    random.Random(args.seed).shuffle(val_tox)
    metrics = evaluate(model, tok, val_pii, val_tox[: args.eval_n], args.max_len)
    print(json.dumps(metrics, indent=1), flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), args.out / "checkpoint.pt")
    record = {
        "model_config": model.config.to_dict(),
        "bio_labels": list(BIO_LABELS),
        "toxicity_outputs": list(TOXICITY_OUTPUTS),
        "special_ids": special_ids(tok),
        "max_length": args.max_len,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "train_examples": {"pii": len(pii_items), "toxicity": len(tox_items)},
        "steps": len(plan),
        "train_seconds": round(train_seconds, 1),
        "torch": torch.__version__,
        "threads": args.threads,
        "validation_metrics": metrics,
    }
    (args.out / "train_config.json").write_text(json.dumps(record, indent=2))
    tok.save(str(args.out / "tokenizer.json"))
    return record


if __name__ == "__main__":
    main(sys.argv[1:])
