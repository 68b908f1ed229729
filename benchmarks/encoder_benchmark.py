"""Encoder: mxdna's attention kernels and encoder stage against softmax attention, and the
classifier's CPU training throughput against a small CNN and a plain Transformer.

Scaling (`--part scaling`): forward + backward (`out.sum().backward()`) at batch 8, width 256,
8 heads (head dim 32) for N = 1k, 4k, 16k and 64k tokens, of
  (a) `scaled_dot_product_attention` softmax attention alone on random q, k, v (B, H, N, Dh);
  (b) the mxdna linear-attention kernel alone, elu+1 feature map;
  (c) the mxdna local-attention kernel alone, radius 8;
  (d) one mxdna encoder stage (`mxdna.model.encoder._Stage`: 2 local blocks, TokenMerger,
      1 global block) on x (B, N, D) with one-base token spans: "the mxdna encoder layer(s)";
  (e) for context, one pre-norm block with the same projections and MLP as (d)'s blocks but full
      softmax attention (SDPA) in place of local/linear attention.
A cell whose projected time (fitted exponent over the sizes already measured) exceeds
`MAX_SECONDS`, or whose projected peak memory exceeds `MAX_GIB`, is not run.

Throughput (`--part throughput`): training steps (cross-entropy, AdamW) at batch 64 on the
2,968 real 200-bp sequences of `data/ienhancer_2l/train.fa` (enhancer vs non_enhancer) for the
default `SequenceClassifier` (`EncoderConfig(n_classes=2)`) on mxdna tokens (a
`Tokenizer(vocab_size=512, n_iter=4)` fitted on the same data; tokenization is not timed), a
Genomic-Benchmarks-style CNN on one-hot input and a character-level 4-layer
`nn.TransformerEncoder`, each on 1 and 2 torch threads.

Every measurement runs in a fresh subprocess (`--child`) with an explicit
`torch.set_num_threads`, so peak memory is per cell; repeats are interleaved round-robin;
medians are reported.

    .venv/bin/python benchmarks/encoder_benchmark.py [--part scaling|throughput|all]
        [--repeats 3] [--quick] [--workdir DIR] [--out F]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from io_benchmark import command_line, machine  # the sibling script: same header format

# torch and mxdna are imported inside functions: the parent must stay small, and each child loads
# only what its own cell needs.

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "ienhancer_2l" / "train.fa"

# -- scaling settings
BATCH, WIDTH, HEADS = 8, 256, 8
SIZES = (1024, 4096, 16384, 65536)
QUICK_SIZES = (256, 1024)
RADIUS = 8
SCALING_THREADS = 2
WARMUP_N = 256  # every child first runs one step at this size (allocator, OpenMP pool)
MAX_SECONDS = 120.0  # do not start a cell projected to take longer than this per run
MAX_GIB = 16.0  # ... or to use more memory than this (also enforced with RLIMIT_AS)
ONCE_SECONDS = 40.0  # a cell whose first run took longer than this is not repeated
INNER_SECONDS = 3.0  # short cells repeat the step inside the child for about this long
KERNELS = ("sdpa", "linear", "local", "stage", "softmax_block")
KERNEL_NAMES = {
    "sdpa": "SDPA softmax attention",
    "linear": "mxdna linear attention (elu+1)",
    "local": f"mxdna local attention (r={RADIUS})",
    "stage": "mxdna encoder stage",
    "softmax_block": "softmax block (context)",
}
PEER = "sdpa"
TARGET_EXPONENT, TARGET_SPEEDUP, TARGET_GIB = 1.1, 50.0, 6.0

# -- throughput settings
TP_BATCH, TP_LENGTH = 64, 200
VOCAB, N_ITER = 512, 4
MODELS = ("mxdna", "cnn", "transformer")
MODEL_NAMES = {
    "mxdna": "mxdna SequenceClassifier (default config)",
    "cnn": "CNN (Genomic Benchmarks style)",
    "transformer": "char Transformer (4 layers, d 64)",
}
TP_THREADS = (1, 2)
WARMUP_STEPS = 3
MIN_STEPS, MAX_STEPS, MIN_STEP_SECONDS = 8, 200, 5.0
TARGET_SEQ_S = 500.0

CHILD_ENV = {"OPENBLAS_NUM_THREADS": "1"}


# -- helpers --------------------------------------------------------------------------------------


def _status_mib(field: str) -> float:
    """VmRSS / VmHWM / VmSize of this process from /proc/self/status, in MiB (not ru_maxrss,
    which carries the parent's high-water mark across fork + exec)."""
    with open("/proc/self/status", encoding="utf-8") as fh:
        kib = next(int(line.split()[1]) for line in fh if line.startswith(f"{field}:"))
    return kib / 1024


def fit_exponent(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of log(y) against log(x)."""
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(y) for _, y in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def _cpu_use(before: resource.struct_rusage, wall: float, steps: int) -> dict[str, float]:
    """CPU use of this process since `before`: user and system seconds per wall second (2.0 =
    two cores busy) and minor page faults per step."""
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "user_share": (after.ru_utime - before.ru_utime) / wall,
        "sys_share": (after.ru_stime - before.ru_stime) / wall,
        "faults_per_step": (after.ru_minflt - before.ru_minflt) / steps,
    }


def _limit_memory(gib: float) -> None:
    """Cap the address space at its current size plus `gib`: an allocation beyond it fails with
    an error in this child instead of waking the OOM killer on a shared machine."""
    limit = int((_status_mib("VmSize") + gib * 1024) * 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# -- scaling (child) ------------------------------------------------------------------------------


def _scaling_step(kernel: str, n: int) -> Callable[[], None]:
    """Allocate the inputs of one cell and return its forward + backward step."""
    import torch
    import torch.nn.functional as F

    from mxdna.model.blocks import _AttentionBlock
    from mxdna.model.config import EncoderConfig
    from mxdna.model.encoder import _Stage
    from mxdna.model.linear_attention import elu_feature_map, linear_attention
    from mxdna.model.local_attention import local_attention

    torch.manual_seed(0)
    head_dim = WIDTH // HEADS
    mask = torch.ones(BATCH, n, dtype=torch.bool)
    if kernel in ("sdpa", "linear", "local"):
        leaves = [torch.randn(BATCH, HEADS, n, head_dim, requires_grad=True) for _ in "qkv"]
        q, k, v = leaves
        attend = {
            "sdpa": lambda: F.scaled_dot_product_attention(q, k, v),
            "linear": lambda: linear_attention(elu_feature_map(q), elu_feature_map(k), v, mask),
            "local": lambda: local_attention(q, k, v, mask, RADIUS),
        }[kernel]

        def step() -> None:
            for t in leaves:
                t.grad = None
            attend().sum().backward()

        return step

    config = EncoderConfig(d_model=WIDTH, n_heads=HEADS, dropout=0.0)
    x = torch.randn(BATCH, n, WIDTH, requires_grad=True)
    if kernel == "stage":
        starts = torch.arange(n).expand(BATCH, n)
        spans = torch.stack([starts, starts + 1], dim=-1)  # one base per token
        module: torch.nn.Module = _Stage(config, 0)

        def forward() -> torch.Tensor:
            return module(x, mask, spans)[0]
    else:

        class SoftmaxBlock(_AttentionBlock):
            def attend(self, q, k, v, mask, positions):
                return F.scaled_dot_product_attention(q, k, v)

        module = SoftmaxBlock(config)
        positions = torch.zeros(BATCH, n)

        def forward() -> torch.Tensor:
            return module(x, mask, positions)

    def step() -> None:
        module.zero_grad(set_to_none=True)
        x.grad = None
        forward().sum().backward()

    return step


def scaling_child(spec: dict[str, Any]) -> dict[str, Any]:
    import torch

    torch.set_num_threads(spec["threads"])
    _scaling_step(spec["kernel"], min(WARMUP_N, spec["n"]))()
    step = _scaling_step(spec["kernel"], spec["n"])
    baseline = _status_mib("VmRSS")
    _limit_memory(spec["max_gib"])
    times: list[float] = []
    usage = resource.getrusage(resource.RUSAGE_SELF)
    try:
        while True:
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
            if times[0] > INNER_SECONDS / 2 or sum(times) > INNER_SECONDS or len(times) >= 21:
                break
    except (RuntimeError, MemoryError) as exc:  # allocation refused under the cap
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"}
    return {
        "seconds": statistics.median(times[1:]) if len(times) > 1 else times[0],
        "first": times[0],
        "inner": len(times),
        **_cpu_use(usage, sum(times), len(times)),
        "baseline": baseline,
        "peak": _status_mib("VmHWM"),
        "threads": torch.get_num_threads(),
    }


# -- throughput (child) ---------------------------------------------------------------------------


def _cnn(n_classes: int = 2):
    import torch
    from torch import nn

    features = nn.Sequential(
        nn.Conv1d(4, 32, 8), nn.ReLU(), nn.BatchNorm1d(32), nn.MaxPool1d(2),
        nn.Conv1d(32, 32, 8), nn.ReLU(), nn.BatchNorm1d(32), nn.MaxPool1d(2),
        nn.Flatten(),
    )  # fmt: skip
    flat = features(torch.zeros(2, 4, TP_LENGTH)).shape[1]
    return nn.Sequential(
        features, nn.Linear(flat, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, n_classes)
    )


def _transformer(n_classes: int = 2):
    import torch
    from torch import nn

    class CharTransformer(nn.Module):
        """Embedding of A/C/G/T/N + learned positions -> 4 x nn.TransformerEncoderLayer
        (PyTorch defaults: dim_feedforward 2048, dropout 0.1, post-norm) -> mean -> Linear."""

        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(5, 64)
            self.position = nn.Parameter(torch.randn(TP_LENGTH, 64) * 0.02)
            layer = nn.TransformerEncoderLayer(64, 4, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 4, enable_nested_tensor=False)
            self.head = nn.Linear(64, n_classes)

        def forward(self, chars: torch.Tensor) -> torch.Tensor:
            return self.head(self.encoder(self.embed(chars) + self.position).mean(dim=1))

    return CharTransformer()


def throughput_child(spec: dict[str, Any]) -> dict[str, Any]:
    import torch
    import torch.nn.functional as F
    from torch.utils.flop_counter import FlopCounterMode

    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    data = torch.load(spec["data"])
    labels, n_seqs = data["labels"], len(data["labels"])
    name = spec["model"]
    if name == "mxdna":
        from mxdna.model.config import EncoderConfig
        from mxdna.model.encoder import SequenceClassifier

        model = SequenceClassifier(EncoderConfig(n_classes=2), data["tokens"])

        def inputs(idx: torch.Tensor) -> tuple[torch.Tensor, ...]:
            width = int(data["lengths"][idx].max())
            mask = data["mask"][idx, :width]
            return data["ids"][idx, :width], data["offsets"][idx, :width], mask
    elif name == "cnn":
        model = _cnn()

        def inputs(idx: torch.Tensor) -> tuple[torch.Tensor, ...]:
            return (data["onehot"][idx],)
    else:
        model = _transformer()

        def inputs(idx: torch.Tensor) -> tuple[torch.Tensor, ...]:
            return (data["chars"][idx],)

    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
    order = torch.randperm(n_seqs, generator=torch.Generator().manual_seed(0))
    batches = [order[i : i + TP_BATCH] for i in range(0, n_seqs - TP_BATCH + 1, TP_BATCH)]

    def train_step(idx: torch.Tensor) -> float:
        optimiser.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(*inputs(idx)), labels[idx])
        loss.backward()
        optimiser.step()
        return float(loss)

    for i in range(WARMUP_STEPS):
        train_step(batches[i % len(batches)])
    baseline = _status_mib("VmRSS")
    times, losses = [], []
    usage = resource.getrusage(resource.RUSAGE_SELF)
    i = WARMUP_STEPS
    while len(times) < MAX_STEPS and (len(times) < spec["min_steps"] or sum(times) < spec["min_s"]):
        idx = batches[i % len(batches)]
        t0 = time.perf_counter()
        losses.append(train_step(idx))
        times.append(time.perf_counter() - t0)
        i += 1
    cpu = _cpu_use(usage, sum(times), len(times))
    counter = FlopCounterMode(display=False)
    with counter:  # forward + backward of one batch, not timed
        F.cross_entropy(model(*inputs(batches[0])), labels[batches[0]]).backward()
    n_tokens = None
    if name == "mxdna":
        n_tokens = float(data["lengths"].float().mean())
    return {
        "step_seconds": statistics.median(times),
        "steps": len(times),
        "seq_per_s": TP_BATCH / statistics.median(times),
        **cpu,
        "loss_first": losses[0],
        "loss_last": losses[-1],
        "params": sum(p.numel() for p in model.parameters()),
        "flops_per_seq": counter.get_total_flops() / TP_BATCH,
        "tokens_per_seq": n_tokens,
        "baseline": baseline,
        "peak": _status_mib("VmHWM"),
        "threads": torch.get_num_threads(),
    }


# -- throughput data (parent) ---------------------------------------------------------------------


def prepare_throughput_data(workdir: Path) -> dict[str, Any]:
    """Fit the tokenizer, encode every sequence and save all model inputs in one file."""
    import numpy as np
    import torch

    from mxdna.io.labels import load_fasta_set
    from mxdna.tokenizer import Tokenizer

    data = load_fasta_set([DATA])
    assert all(len(s) == TP_LENGTH for s in data.sequences)
    classes = ["non_enhancer" if lab == "non_enhancer" else "enhancer" for lab in data.labels]
    t0 = time.perf_counter()
    tokenizer = Tokenizer(vocab_size=VOCAB, n_iter=N_ITER).fit(data.sequences, classes)
    fit_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    batch = tokenizer.encode_batch(list(data.sequences))
    encode_seconds = time.perf_counter() - t0
    codes = np.frombuffer("".join(data.sequences).encode(), dtype=np.uint8).reshape(
        len(data.sequences), TP_LENGTH
    )
    lookup = np.full(256, 4, dtype=np.int64)  # N (and anything else) -> 4
    for i, base in enumerate(b"ACGT"):
        lookup[base] = i
    chars = torch.from_numpy(lookup[codes])
    onehot = torch.nn.functional.one_hot(chars, 5)[..., :4].transpose(1, 2).float().contiguous()
    path = workdir / "throughput_inputs.pt"
    workdir.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "tokens": list(tokenizer.tokens),
            "ids": torch.from_numpy(batch.ids),
            "offsets": torch.from_numpy(batch.offsets).long(),
            "mask": torch.from_numpy(batch.attention_mask),
            "lengths": torch.from_numpy(batch.lengths),
            "chars": chars,
            "onehot": onehot,
            "labels": torch.tensor([c == "enhancer" for c in classes], dtype=torch.long),
        },
        path,
    )
    lengths = batch.lengths
    return {
        "path": str(path),
        "n_seqs": len(data.sequences),
        "n_enhancer": classes.count("enhancer"),
        "vocab": len(tokenizer.tokens),
        "fit_seconds": fit_seconds,
        "encode_seconds": encode_seconds,
        "tokens_mean": float(lengths.mean()),
        "tokens_min": int(lengths.min()),
        "tokens_max": int(lengths.max()),
        "bases_per_token": TP_LENGTH / float(lengths.mean()),
    }


# -- parent: running cells ------------------------------------------------------------------------


def spawn(spec: dict[str, Any]) -> dict[str, Any]:
    threads = str(spec["threads"])
    env = {**os.environ, **CHILD_ENV, "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    cmd = [sys.executable, __file__, "--child", json.dumps(spec)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        return {"error": f"child failed ({done.returncode}): {tail[0][:200]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _machine_cpu() -> dict[str, float]:
    """Machine-wide CPU seconds (busy, steal) from /proc/stat, and this process tree's own."""
    hz = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat", encoding="utf-8") as fh:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, fh.readline().split()[1:9]
        )
    own = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return {
        "busy": (user + nice + system + irq + softirq) / hz,
        "steal": steal / hz,
        "own": sum(u.ru_utime + u.ru_stime for u in own),
        "wall": time.monotonic(),
    }


def contention(start: dict[str, float]) -> str:
    """How much CPU other processes took while this benchmark ran."""
    end = _machine_cpu()
    wall = end["wall"] - start["wall"]
    others = max(0.0, (end["busy"] - start["busy"]) - (end["own"] - start["own"]))
    steal = end["steal"] - start["steal"]
    cores = os.cpu_count() or 1
    return (
        f"over the {wall / 60:.0f} min run, other processes used {others:,.0f} CPU-s "
        f"({others / (wall * cores):.1%} of the machine) and the hypervisor stole "
        f"{steal:,.0f} CPU-s ({steal / (wall * cores):.1%})"
    )


def _log(text: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {text}", file=sys.stderr, flush=True)


Cell = tuple[str, int]


def project(results: dict[Cell, list], kernel: str, n: int) -> tuple[float, float] | None:
    """(seconds, peak GiB) projected for `kernel` at `n` from the sizes measured so far."""
    done = sorted((m, runs[0]) for (k, m), runs in results.items() if k == kernel and runs)
    if len(done) < 2:
        return None
    exponent = fit_exponent([(m, r["seconds"]) for m, r in done])
    (m0, r0), (m1, r1) = done[-2], done[-1]
    seconds = r1["seconds"] * (n / m1) ** exponent
    over0, over1 = (max(r["peak"] - r["baseline"], 1.0) for r in (r0, r1))
    mem_exponent = max(1.0, math.log(over1 / over0) / math.log(m1 / m0))
    # inputs (in the baseline) grow linearly with n as well
    gib = (r1["baseline"] * n / m1 + over1 * (n / m1) ** mem_exponent) / 1024
    return seconds, gib


def run_scaling(sizes: tuple[int, ...], repeats: int) -> tuple[dict, dict]:
    """First pass: ascending n, every kernel, skipping cells projected too slow or too big.
    Later passes: round-robin over the cells that ran (rotated by one per pass), except those
    whose first run took longer than ONCE_SECONDS."""
    results: dict[Cell, list] = {}
    skipped: dict[Cell, str] = {}
    for n in sizes:
        for kernel in KERNELS:
            cell = (kernel, n)
            guess = project(results, kernel, n)
            if guess and (guess[0] > MAX_SECONDS or guess[1] > MAX_GIB):
                skipped[cell] = f"not run (projected {guess[0]:,.0f} s, {guess[1]:.1f} GiB)"
                _log(f"skip {kernel} n={n}: {skipped[cell]}")
                continue
            spec = {"part": "scaling", "kernel": kernel, "n": n, "threads": SCALING_THREADS}
            result = spawn({**spec, "max_gib": MAX_GIB})
            if "error" in result:
                skipped[cell] = f"failed: {result['error']}"
                _log(f"{kernel} n={n}: {skipped[cell]}")
                continue
            results[cell] = [result]
            _log(f"pass 1: {kernel:14} n={n:6} {result['seconds']:9.3f} s")
    again = [c for c, runs in results.items() if runs[0]["first"] <= ONCE_SECONDS]
    for r in range(1, repeats if again else 1):
        for cell in again[r % len(again) :] + again[: r % len(again)]:
            spec = {"part": "scaling", "kernel": cell[0], "n": cell[1]}
            result = spawn({**spec, "threads": SCALING_THREADS, "max_gib": MAX_GIB})
            if "error" in result:
                raise RuntimeError(f"{cell} failed on a repeat: {result['error']}")
            results[cell].append(result)
            _log(f"pass {r + 1}: {cell[0]:14} n={cell[1]:6} {result['seconds']:9.3f} s")
    return results, skipped


def run_throughput(data: dict[str, Any], repeats: int, quick: bool) -> dict[tuple[str, int], list]:
    cells = [(m, t) for t in TP_THREADS for m in MODELS]
    results: dict[tuple[str, int], list] = {c: [] for c in cells}
    budget = {"min_steps": 3, "min_s": 1.0} if quick else {"min_steps": MIN_STEPS}
    budget.setdefault("min_s", MIN_STEP_SECONDS)
    for r in range(repeats):
        for model, threads in cells[r % len(cells) :] + cells[: r % len(cells)]:
            spec = {"part": "throughput", "model": model, "threads": threads, "data": data["path"]}
            result = spawn({**spec, **budget})
            if "error" in result:
                raise RuntimeError(f"{model} on {threads} thread(s): {result['error']}")
            results[(model, threads)].append(result)
            _log(f"repeat {r + 1}: {model:12} threads={threads} {result['seq_per_s']:8.1f} seq/s")
    return results


# -- report ---------------------------------------------------------------------------------------


def _median(runs: list[dict], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in runs)


def _spread(runs: list[dict], key: str = "seconds") -> str:
    values = [r[key] for r in runs]
    return f"{(max(values) - min(values)) / statistics.median(values):.0%}"


def _seconds(s: float) -> str:
    return f"{s:.3f}" if s < 10 else f"{s:.1f}"


def _gib(mib: float) -> str:
    return f"{mib / 1024:.2f}"


def exponents(results: dict[Cell, list]) -> dict[str, tuple[float, int, int]]:
    """kernel -> (fitted exponent, smallest n, largest n) over the measured sizes."""
    out = {}
    for kernel in KERNELS:
        points = sorted((n, _median(runs)) for (k, n), runs in results.items() if k == kernel)
        if len(points) >= 2:
            out[kernel] = (fit_exponent(points), points[0][0], points[-1][0])
    return out


def _projected_peer(results: dict[Cell, list], n: int) -> float | None:
    points = sorted((m, _median(runs)) for (k, m), runs in results.items() if k == PEER)
    if len(points) < 2:
        return None
    last_n, last_s = points[-1]
    return last_s * (n / last_n) ** fit_exponent(points)


def scaling_tables(results: dict[Cell, list], skipped: dict[Cell, str], sizes) -> list[str]:
    kernels = [k for k in KERNELS if any(c[0] == k for c in [*results, *skipped])]
    rows = [
        "| N tokens | " + " | ".join(f"{KERNEL_NAMES[k]} s" for k in kernels) + " |",
        "|---:|" + "---:|" * len(kernels),
    ]
    for n in sizes:
        cells = []
        for k in kernels:
            runs = results.get((k, n))
            cells.append(_seconds(_median(runs)) if runs else "not run")
        rows.append(f"| {n:,} | " + " | ".join(cells) + " |")
    fits = exponents(results)
    rows.append(
        "| fitted exponent | "
        + " | ".join(
            f"N^{fits[k][0]:.2f} ({fits[k][1] // 1024}k-{fits[k][2] // 1024}k)"
            if k in fits and fits[k][1] >= 1024
            else (f"N^{fits[k][0]:.2f}" if k in fits else "-")
            for k in kernels
        )
        + " |"
    )
    detail = [
        "| kernel | N tokens | median s | min s | spread | runs | first step s "
        "| peak GiB | over baseline GiB | cores busy (sys) | page faults/step | vs SDPA |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for k in kernels:
        for n in sizes:
            runs = results.get((k, n))
            if not runs:
                note = skipped.get((k, n), "not run")
                detail.append(f"| {KERNEL_NAMES[k]} | {n:,} | {note} | | | | | | | | | |")
                continue
            t = _median(runs)
            peer = results.get((PEER, n))
            if peer:
                vs = f"{_median(peer) / t:.1f}x"
            else:
                guess = _projected_peer(results, n)
                vs = f"({guess / t:.0f}x projected)" if guess else "-"
            detail.append(
                f"| {KERNEL_NAMES[k]} | {n:,} | {_seconds(t)} "
                f"| {_seconds(min(r['seconds'] for r in runs))} | {_spread(runs)} "
                f"| {len(runs)} x {runs[0]['inner']} | {_seconds(_median(runs, 'first'))} "
                f"| {_gib(max(r['peak'] for r in runs))} "
                f"| {_gib(max(r['peak'] - r['baseline'] for r in runs))} | {_busy(runs)} "
                f"| {_median(runs, 'faults_per_step'):,.0f} | {vs} |"
            )
    return [*rows, "", *detail]


def _busy(runs: list[dict]) -> str:
    """CPU seconds per wall second (user + system) and the system part, medians."""
    user, system = _median(runs, "user_share"), _median(runs, "sys_share")
    return f"{user + system:.2f} ({system:.2f})"


def _verdict(ok: bool, text: str) -> str:
    return f"{'met' if ok else 'missed'} ({text})"


def scaling_verdicts(results: dict[Cell, list], skipped: dict[Cell, str], sizes) -> list[str]:
    fits = exponents(results)
    mid = 16384 if 16384 in sizes else sizes[-1]
    top = sizes[-1]
    lines = []
    for k in ("stage", "linear", "local"):
        if k not in fits:
            continue
        e, lo, hi = fits[k]
        parts = [
            f"exponent {_verdict(e <= TARGET_EXPONENT, f'N^{e:.2f} over {lo:,}-{hi:,}')}",
        ]
        peer, own = results.get((PEER, mid)), results.get((k, mid))
        if peer and own:
            speed = _median(peer) / _median(own)
            parts.append(
                f"speed at {mid:,} {_verdict(speed >= TARGET_SPEEDUP, f'{speed:.1f}x SDPA')}"
            )
        top_runs = results.get((k, top))
        if top_runs:
            peak = max(r["peak"] for r in top_runs) / 1024
            over = max(r["peak"] - r["baseline"] for r in top_runs) / 1024
            parts.append(
                f"peak memory at {top:,} "
                + _verdict(peak <= TARGET_GIB, f"{peak:.2f} GiB, {over:.2f} GiB over baseline")
            )
        else:
            parts.append(f"peak memory at {top:,}: {skipped.get((k, top), 'not run')}")
        lines.append(f"- {KERNEL_NAMES[k]}: " + "; ".join(parts) + ".")
    return lines


def throughput_table(results: dict[tuple[str, int], list]) -> list[str]:
    rows = [
        "| model | torch threads | seq/s (median) | min-max seq/s | step s | timed steps "
        "| vs 500 seq/s target | vs CNN | params | GFLOP/seq (fwd+bwd) | cores busy (sys) "
        "| peak GiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (model, threads), runs in results.items():
        rate = _median(runs, "seq_per_s")
        cnn = _median(results[("cnn", threads)], "seq_per_s")
        rates = [r["seq_per_s"] for r in runs]
        rows.append(
            f"| {MODEL_NAMES[model]} | {threads} | {rate:,.0f} "
            f"| {min(rates):,.0f}-{max(rates):,.0f} | {_median(runs, 'step_seconds'):.3f} "
            f"| {sum(r['steps'] for r in runs)} | {rate / TARGET_SEQ_S:.2f}x "
            f"| {rate / cnn:.2f}x | {runs[0]['params']:,} "
            f"| {runs[0]['flops_per_seq'] / 1e9:.3f} | {_busy(runs)} "
            f"| {_gib(max(r['peak'] for r in runs))} |"
        )
    return rows


def header(repeats: int, part: str, busy: str) -> list[str]:
    import torch

    threads_note = (
        f"scaling children: torch.set_num_threads({SCALING_THREADS}); throughput children: "
        f"torch.set_num_threads(1) and (2); OMP_NUM_THREADS and MKL_NUM_THREADS set to the same "
        "value, OPENBLAS_NUM_THREADS=1"
    )
    gpu = "available" if torch.cuda.is_available() else "not available in this session"
    return [
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- GPU: {gpu} (all numbers are CPU, float32)",
        f"- Python {platform.python_version()}; torch {torch.__version__} "
        f"(ATen parallel backend OpenMP), numpy {metadata.version('numpy')}",
        f"- Threads: {threads_note}",
        f"- Contention check (/proc/stat against the benchmark's own rusage): {busy}",
        f"- Command: `{command_line()}` (part: {part})",
        f"- Method: every cell runs in a fresh process, {repeats} repeat(s) interleaved "
        "round-robin (order rotated by one cell per repeat); medians over repeats. Peak = VmHWM "
        "of the child; baseline = its VmRSS after imports, a warm-up and input allocation.",
    ]


def scaling_section(results, skipped, sizes) -> list[str]:
    return [
        "### Scaling: forward + backward, batch 8, width 256, 8 heads (head dim 32)",
        "",
        f"Each child runs one warm-up step at N={WARMUP_N}, allocates the inputs, then repeats "
        f"the step at N until about {INNER_SECONDS:g} s have passed (at most 21 times; once "
        f"when the first step takes over {INNER_SECONDS / 2:g} s) and reports the median of the "
        "steps after the first (`runs` = processes x steps per process). Cells projected "
        f"(fitted exponent, linear memory) to take over {MAX_SECONDS:g} s or {MAX_GIB:g} GiB are "
        f"not run; cells whose first step took over {ONCE_SECONDS:g} s run once. Kernel inputs: "
        "random q, k, v (B, H, N, 32), an all-true mask; SDPA without mask. Stage: "
        f"`_Stage(EncoderConfig(d_model={WIDTH}, n_heads={HEADS}, dropout=0.0), 0)` (2 local "
        "blocks with radius 8 and rotary positions, TokenMerger ratio 2, 1 global elu+1 block; "
        "MLP ratio 2) on x (B, N, 256) with one-base spans. Softmax block: the same pre-norm "
        "block (qkv, out, MLP) with full SDPA attention, for context. Cores busy = CPU "
        "seconds (user + system) per wall second over the timed steps (2.00 = both cores), "
        "system part in brackets; page faults = minor faults per step (fresh pages for large "
        "tensors).",
        "",
        *scaling_tables(results, skipped, sizes),
        "",
        *scaling_verdicts(results, skipped, sizes),
    ]


def throughput_section(results, data) -> list[str]:
    mx = {t: _median(results[("mxdna", t)], "seq_per_s") for t in TP_THREADS}
    best = max(mx.values())
    return [
        "### Training throughput: batch 64, 200-bp sequences, CPU",
        "",
        f"Data: `{DATA.relative_to(ROOT)}`, {data['n_seqs']:,} sequences "
        f"({data['n_enhancer']:,} enhancer, strong + weak, vs non_enhancer). mxdna tokens: "
        f"`Tokenizer(vocab_size={VOCAB}, n_iter={N_ITER})` fitted on these sequences and labels "
        f"({data['fit_seconds']:.1f} s; encoding all {data['encode_seconds']:.2f} s; neither is "
        f"timed below): {data['tokens_mean']:.1f} tokens per sequence on average "
        f"(min {data['tokens_min']}, max {data['tokens_max']}; {data['bases_per_token']:.2f} "
        "bases per token), each batch padded to its longest row. A step = forward, "
        "cross-entropy, backward, AdamW step (lr 1e-3), train mode (dropout on); "
        f"{WARMUP_STEPS} warm-up steps, then at least {MIN_STEPS} steps and "
        f"{MIN_STEP_SECONDS:g} s; seq/s = 64 / median step time, median over processes. "
        "CNN: Conv1d(4,32,8)-ReLU-BatchNorm-MaxPool(2)-Conv1d(32,32,8)-ReLU-BatchNorm-"
        "MaxPool(2)-Linear(1408,64)-ReLU-Dropout(0.3)-Linear(64,2) on one-hot input. Char "
        "Transformer: Embedding(5,64) + learned positions, 4 x nn.TransformerEncoderLayer(64, 4) "
        "with PyTorch defaults (dim_feedforward 2048, dropout 0.1), mean pooling, Linear(64,2). "
        "FLOPs: torch.utils.flop_counter (matmuls, convolutions, attention) over one forward + "
        "backward.",
        "",
        *throughput_table(results),
        "",
        f"- Target >= {TARGET_SEQ_S:g} seq/s for the mxdna classifier: "
        + _verdict(
            best >= TARGET_SEQ_S,
            ", ".join(f"{mx[t]:,.0f} seq/s on {t} thread(s)" for t in TP_THREADS)
            + f"; {best / TARGET_SEQ_S:.2f}x the target",
        )
        + ".",
    ]


def report(part, repeats, busy, scaling=None, throughput=None, sizes=SIZES) -> str:
    lines = [
        "## Encoder (issue: hierarchical linear-attention encoder)",
        "",
        *header(repeats, part, busy),
    ]
    if scaling:
        lines += ["", *scaling_section(*scaling, sizes)]
    if throughput:
        lines += ["", *throughput_section(*throughput)]
    return "\n".join(lines) + "\n"


# -- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("scaling", "throughput", "all"), default="all")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs (smoke)")
    parser.add_argument("--workdir", type=Path, default=Path(__file__).resolve().parent / "_work")
    parser.add_argument("--out", type=Path, help="also write the Markdown section here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.child:
        spec = json.loads(args.child)
        child = scaling_child if spec["part"] == "scaling" else throughput_child
        print(json.dumps(child(spec)))
        return
    sizes = QUICK_SIZES if args.quick else SIZES
    workdir = args.workdir / "encoder" / ("quick" if args.quick else "full")
    scaling = throughput = None
    start = _machine_cpu()
    if args.part in ("scaling", "all"):
        scaling = run_scaling(sizes, args.repeats)
    if args.part in ("throughput", "all"):
        data = prepare_throughput_data(workdir)
        _log(f"tokenizer fitted: {data['tokens_mean']:.1f} tokens/sequence")
        throughput = (run_throughput(data, args.repeats, args.quick), data)
    text = report(args.part, args.repeats, contention(start), scaling, throughput, sizes)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
