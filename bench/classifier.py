"""Classifier throughput, memory and quality: the project's paths vs a Detoxify-class baseline.

For batch sizes 1, 8 and 32 over a sample of real corpus messages (so lengths follow
``datasets/``), each path runs in its own process (clean peak memory) and reports messages
per second (median of repeats) and peak resident memory:

- ``fp32``: the release merged into the base encoder (multilingual-e5-small), fp32;
- ``int8``: the same with PyTorch dynamic int8 quantization (per channel) of the linear layers
  but the feed-forward output projections (see ``models.classifier.load_classifier``);
- ``bf16``: the same cast to bfloat16, measured only on CPUs that multiply bf16 in hardware
  (AMX or AVX-512 BF16; elsewhere torch emulates it, several times slower than fp32);
- ``baseline``: an XLM-RoBERTa-base-sized sequence classifier (12 layers, hidden 768, random
  weights: only its cost matters), same texts, same tokenizer, truncation at 512 tokens.

It also scores the test split with every project path it measured and prints macro F1 side by
side, so speed never hides a quality loss. Writes ``bench/results/classifier.md``.

    .venv/bin/python -m bench.classifier [--sample 256] [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time

from models.paths import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results" / "classifier.md"
PATHS = ("fp32", "int8", "bf16", "baseline")
BATCH_SIZES = (1, 8, 32)


def sample_texts(n: int, seed: int = 7) -> list[str]:
    from models.text import model_input
    from training.dataset import load_records

    records = load_records()
    random.Random(seed).shuffle(records)
    return [model_input(r.subject, r.text) for r in records[:n]]


def baseline_scorer():
    """Detoxify's architecture (XLM-R base) with random weights; same tokenizer and labels."""
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification

    from models.config import ModelConfig
    from models.encoder import load_tokenizer

    config = XLMRobertaConfig(
        vocab_size=250002, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
        intermediate_size=3072, max_position_embeddings=514, num_labels=4,
    )  # fmt: skip
    model = XLMRobertaForSequenceClassification(config).eval()
    tokenizer = load_tokenizer(ModelConfig())

    @torch.inference_mode()
    def score(texts: list[str], batch_size: int) -> None:
        for i in range(0, len(texts), batch_size):
            batch = tokenizer(texts[i : i + batch_size], padding=True, truncation=True,
                              max_length=512, return_tensors="pt")  # fmt: skip
            torch.sigmoid(model(**batch).logits)

    return score


def project_scorer(precision: str):
    from models.classifier import load_classifier
    from models.config import ModelConfig

    classifier = load_classifier(config=ModelConfig(precision=precision))
    return lambda texts, batch_size: classifier.score_texts(texts, batch_size=batch_size)


def child(path: str, sample: int, repeats: int, threads: int) -> None:
    """Runs in a subprocess: time every batch size for one path, print JSON."""
    import torch

    torch.set_num_threads(threads)
    texts = sample_texts(sample if path != "baseline" else max(32, sample // 2))
    score = baseline_scorer() if path == "baseline" else project_scorer(path)
    score(texts[:8], 8)  # warm-up
    rates = {}
    for batch_size in BATCH_SIZES:
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            score(texts, batch_size)
            runs.append(len(texts) / (time.perf_counter() - started))
        rates[batch_size] = statistics.median(runs)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"path": path, "rates": rates, "peak_mb": peak_mb, "n": len(texts)}))


def measured_paths() -> list[str]:
    """Every path this CPU runs natively (bf16 only with hardware bf16)."""
    from models.classifier import native_bf16

    return [path for path in PATHS if path != "bf16" or native_bf16()]


def quality(paths: list[str]) -> dict[str, float]:
    """Macro F1 on the test split for each project path in ``paths``."""
    from models.classifier import load_classifier
    from models.config import ModelConfig
    from training.dataset import load_records, select
    from training.evaluate import compute_metrics, score_records

    records = select(load_records(), "test")
    out = {}
    for precision in (path for path in paths if path != "baseline"):
        classifier = load_classifier(config=ModelConfig(precision=precision))
        out[precision] = compute_metrics(classifier, records, score_records(classifier, records))
    return {k: v["macro_f1"] for k, v in out.items()}


def run_child(path: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", path, "--sample", str(args.sample),
               "--repeats", str(args.repeats), "--threads", str(args.threads)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])


def table(results: list[dict], f1: dict[str, float]) -> str:
    base = next(r for r in results if r["path"] == "baseline")
    lines = ["| path | " + " | ".join(f"msgs/s @ batch {b}" for b in BATCH_SIZES)
             + " | x baseline @ 32 | peak RSS MB | test macro F1 |",
             "|---" * (len(BATCH_SIZES) + 4) + "|"]  # fmt: skip
    for r in results:
        rates = " | ".join(f"{r['rates'][str(b)]:.1f}" for b in BATCH_SIZES)
        ratio = r["rates"]["32"] / base["rates"]["32"]
        quality_cell = f"{f1[r['path']]:.3f}" if r["path"] in f1 else "n/a (random weights)"
        lines.append(
            f"| {r['path']} | {rates} | {ratio:.1f}x | {r['peak_mb']:.0f} | {quality_cell} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", choices=PATHS)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))  # run as a script: the bench package too
    if args.child:
        child(args.child, args.sample, args.repeats, args.threads)
        return 0
    from bench.machine import describe

    paths = measured_paths()
    results = [run_child(path, args) for path in paths]
    for r in results:
        r["rates"] = {str(k): v for k, v in r["rates"].items()}
    text = (f"# Classifier throughput\n\n{describe()}; torch threads {args.threads}; "
            f"{results[0]['n']} corpus messages (baseline: {results[-1]['n']}), median of "
            f"{args.repeats} runs.\n\n{table(results, quality(paths))}\n")  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
