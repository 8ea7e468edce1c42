"""Throughput of complyai's classifier on short texts, against Presidio patterns-only in the same run.

    .venv/bin/python benchmarks/classifier_speed.py [--n 4000] [--batch-size 64 256] [--skip-presidio]

Short texts are the kind a scan meets per record: one sentence, 5-30 words (mean ~60 chars here),
taken from the held-out PII and toxicity sentences of ../shared/data, or generated when that is absent.
Runs the int8 model on the CPU (threads = physical cores, or COMPLYAI_CLASSIFIER_THREADS) and, when
onnxruntime offers CUDA, the float16 model on the GPU too. Prints texts/s with the hardware it ran on.

Also prints the host-side ceiling: tokenising, batching and decoding alone, with the model's outputs
replayed from memory. No GPU can make the classifier faster than that figure on this host's CPU.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED_DATA = ROOT.parent / "shared" / "data"


def short_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    texts: list[str] = []
    if SHARED_DATA.exists():
        from training import data as D

        texts = [e.text for e in D.load_pii(SHARED_DATA, "validation")]
        texts += [e.text for e in D.load_toxicity(SHARED_DATA, "validation")]
        texts = [t for t in texts if 5 <= len(t.split()) <= 30]
    if not texts:
        words = "please send the report to anna at example dot com before friday thanks".split()
        texts = [" ".join(rng.choices(words, k=rng.randint(5, 30))) for _ in range(500)]
    return [rng.choice(texts) for _ in range(n)]


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def measure(predict, texts: list[str], batch_size: int, repeat: int = 2) -> float:
    predict(texts[: batch_size * 2], batch_size)  # warm-up: allocations, kernel selection
    best = 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        predict(texts, batch_size)
        best = max(best, len(texts) / (time.perf_counter() - t0))
    return best


def host_ceiling(clf, texts: list[str], batch_size: int) -> float:
    """texts/s of everything predict() does except running the model, whose outputs are replayed."""
    recorded: dict[bytes, object] = {}
    session = clf.session

    class Recorder:
        def run(self, names, feeds):
            out = session.run(names, feeds)
            recorded[feeds["input_ids"].tobytes()] = out
            return out

    class Replayer:
        def run(self, names, feeds):
            return recorded[feeds["input_ids"].tobytes()]

    try:
        clf.session = Recorder()
        clf.predict(texts[: batch_size * 2], batch_size)  # what measure() warms up with
        clf.predict(texts, batch_size)
        clf.session = Replayer()
        return measure(clf.predict, texts, batch_size, repeat=3)
    finally:
        clf.session = session


def gpu_name() -> str:
    try:
        import subprocess

        out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10, check=True)
        return out.stdout.strip() or "unknown GPU"
    except (OSError, subprocess.SubprocessError):
        return "unknown GPU (nvidia-smi not found)"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=4000, help="texts per measurement")
    p.add_argument("--batch-size", type=int, nargs="+", default=[64, 256])
    p.add_argument("--skip-presidio", action="store_true")
    args = p.parse_args(argv)

    from policy_engine.scan.classifier import CPU, load_classifier, physical_cores

    texts = short_texts(args.n)
    mean_chars = sum(map(len, texts)) / len(texts)
    print(f"{len(texts)} short texts, mean {mean_chars:.0f} chars; host: {cpu_name()}, "
          f"{os.cpu_count()} logical CPUs, threads used: {physical_cores()}")
    cpu = load_classifier(prefer_gpu=False)
    if cpu is None:
        print("the classifier model is not shipped in this checkout", file=sys.stderr)
        return 2
    for bs in args.batch_size:
        rate = measure(cpu.predict, texts, bs)
        print(f"  model {cpu.precision} on {CPU:<22} batch {bs:<4} {rate:8.0f} texts/s")
    print(f"  host-side work alone (outputs replayed)   batch 512  {host_ceiling(cpu, texts, 512):8.0f} texts/s")

    gpu = load_classifier(prefer_gpu=True)
    if gpu is not None and gpu.provider != CPU:
        for bs in sorted({*args.batch_size, 512, 1024, 2048}):
            rate = measure(gpu.predict, texts, bs, repeat=3)
            print(f"  model {gpu.precision} on {gpu.provider:<21} batch {bs:<4} {rate:8.0f} texts/s")
        print(f"  GPU: {gpu_name()}")
    else:
        print("  GPU: not available here (onnxruntime offers no working CUDAExecutionProvider)")

    if not args.skip_presidio:
        from benchmarks.classifier_quality import presidio_analyzer

        analyze, _ = presidio_analyzer()
        sample = texts[: min(len(texts), 1000)]
        analyze(sample[0])
        t0 = time.perf_counter()
        for t in sample:
            analyze(t)
        print(f"  baseline Presidio patterns-only (1 process)  {len(sample) / (time.perf_counter() - t0):8.0f} texts/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
