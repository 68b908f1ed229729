"""Tokenizer: mxdna's learnable motif tokenizer against Hugging Face BPE and SentencePiece unigram.

Speed (`--part speed`): fit a 4096-token vocabulary on 10 Mbp of real DNA (the training
sequences of seven GUE sets) with mxdna `Tokenizer`, Hugging Face `tokenizers` BPE and
SentencePiece unigram, then encode 100 Mbp (the same pool of sequences, repeated) with each fitted
tokenizer, on one thread and on all threads. Every measurement runs in a fresh subprocess
(`--child`), so peak RSS is per tool; repeats are interleaved round-robin; medians are reported.
SentencePiece unigram training takes minutes, so it runs once per thread setting.

Value (`--part value`): logistic regression on token-count features (tf-idf) from each
tokenizer's vocabulary, fitted on the training split only, scored on the test split of
`ienhancer_2l` (layer 1) and `gue_prom_300_tata`.

    .venv/bin/python benchmarks/tokenizer_benchmark.py [--workdir DIR] [--repeats 3] [--quick]
        [--skip-sentencepiece-fit] [--part speed|value|all] [--out F]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from io_benchmark import command_line, machine  # the sibling script: same header format

# numpy, scipy, scikit-learn, tokenizers, sentencepiece and mxdna are imported inside functions:
# a child process loads only what its own tool needs, so that its baseline RSS is the tool's own.

ROOT = Path(__file__).resolve().parents[1]
FIT_BASES, ENCODE_BASES = 10_000_000, 100_000_000
VOCAB_SIZE = 4096
QUICK_FACTOR = 10
ENCODE_BATCH = 10_000  # sequences per encode call, the same for every tool
SP_MAX_SENTENCE_LENGTH = 4192  # SentencePiece drops longer lines; the longest here is 300 bp
CORPUS_SETS = (
    *(f"gue_tf_human/tf{i}" for i in range(5)),
    "gue_prom_core_all",
    "gue_prom_300_tata",
)
CHILD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
MXDNA, BPE, SPM = "mxdna", "HF BPE", "SentencePiece unigram"
THREADS = ("1", "all")
PEER_QUOTES = {  # quoted for this kind of machine in the issue, not measured here
    ("fit", BPE): "≈ 9.5 s",
    ("fit", SPM): "≈ 440 s",
    ("encode", SPM): "≈ 14.8 Mbp/s on 1 thread",
    ("encode", BPE): "≈ 4.7 Mbp/s",
}


@dataclass(frozen=True)
class Sizes:
    fit_bases: int
    encode_bases: int


@dataclass(frozen=True)
class Job:
    """One measurement: fitting or encoding with one tool on one or all threads."""

    phase: str  # "fit" or "encode"
    tool: str
    threads: str  # "1" or "all"
    workdir: str
    encode_bases: int = 0

    def spec(self) -> str:
        return json.dumps(asdict(self))

    def key(self) -> tuple[str, str, str]:
        return (self.phase, self.tool, self.threads)


def all_threads() -> int:
    """CPUs this process may run on (what mxdna's n_jobs=None uses)."""
    return len(os.sched_getaffinity(0))


# -- data -----------------------------------------------------------------------------------------


def find_dataset(name: str) -> Path:
    """The bundled copy (data/NAME) if present, else the shared collection (../shared/data/NAME)."""
    for candidate in (ROOT / "data" / name, ROOT.parent / "shared" / "data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"dataset {name} not found in {ROOT / 'data'} or ../shared/data")


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    """Upper-case sequences and their `label=` values."""
    from mxdna.io.fasta import read_fasta
    from mxdna.io.labels import parse_header_label

    seqs, labels = [], []
    for record in read_fasta(path, case="upper"):
        seqs.append(record.sequence)
        labels.append(parse_header_label(record.description) or "")
    return seqs, labels


@dataclass(frozen=True)
class Corpus:
    """What the parent wrote for the children (counts for the report)."""

    pool_seqs: int
    pool_bases: int
    fit_seqs: int
    fit_bases: int
    longest: int


def _write_if_changed(path: Path, text: str) -> None:
    """Rewrite only on change: a fitted SentencePiece model stays valid for unchanged data."""
    if path.exists() and path.read_text(encoding="ascii") == text:
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="ascii")
    os.replace(tmp, path)


def prepare_corpus(workdir: Path, sizes: Sizes) -> Corpus:
    """pool.txt: every training sequence of CORPUS_SETS, one per line; fit.txt and
    fit_labels.txt: the first sequences of the pool holding `sizes.fit_bases` (or all)."""
    pool, labels = [], []
    for name in CORPUS_SETS:
        seqs, labs = read_labelled(find_dataset(name) / "train.fa")
        pool += seqs
        labels += labs
    n_fit, total = 0, 0
    while n_fit < len(pool) and total < sizes.fit_bases:
        total += len(pool[n_fit])
        n_fit += 1
    workdir.mkdir(parents=True, exist_ok=True)
    _write_if_changed(workdir / "pool.txt", "\n".join(pool) + "\n")
    _write_if_changed(workdir / "fit.txt", "\n".join(pool[:n_fit]) + "\n")
    _write_if_changed(workdir / "fit_labels.txt", "\n".join(labels[:n_fit]) + "\n")
    longest = max(map(len, pool))
    assert longest <= SP_MAX_SENTENCE_LENGTH, (
        f"a {longest} bp sequence is too long for SentencePiece"
    )
    return Corpus(len(pool), sum(map(len, pool)), n_fit, total, longest)


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="ascii").splitlines()


def encode_set(pool: Sequence[str], target: int) -> list[str]:
    """Sequences of the pool, cycled, until they hold at least `target` bases."""
    seqs, total = [], 0
    for seq in itertools.cycle(pool):
        if total >= target:
            return seqs
        seqs.append(seq)
        total += len(seq)
    raise AssertionError("unreachable")


# -- tools (run inside the child) -----------------------------------------------------------------


class MxdnaTool:
    """mxdna `Tokenizer` (uses the labels: information gain), saved as JSON."""

    slug, suffix = "mxdna", ".json"

    @staticmethod
    def fit(seqs: list[str], labels: list[str], n_threads: int, prefix: Path) -> Any:
        from mxdna.tokenizer import Tokenizer

        return Tokenizer(vocab_size=VOCAB_SIZE, seed=0, n_jobs=n_threads).fit(seqs, labels)

    @staticmethod
    def save(model: Any, prefix: Path) -> None:
        model.save(prefix.with_suffix(".json"))

    @staticmethod
    def load(prefix: Path, n_threads: int) -> Any:
        from mxdna.tokenizer import Tokenizer

        model = Tokenizer.load(prefix.with_suffix(".json"))
        model.n_jobs = n_threads
        return model

    @staticmethod
    def vocabulary(model: Any) -> list[str]:
        return list(model.tokens)

    @staticmethod
    def count_tokens(model: Any, batch: list[str], n_threads: int) -> int:
        return len(model.segment(batch).ids)

    @staticmethod
    def pieces(model: Any, batch: list[str]) -> list[str]:
        segmentation = model.segment(batch)
        return [model.decode(segmentation.tokens_of(i)[0]) for i in range(len(batch))]


class HfBpeTool:
    """Hugging Face `tokenizers` BPE, no normalizer or pre-tokenizer (one word per sequence).
    Threads: the parent sets RAYON_NUM_THREADS=1 for the one-thread runs."""

    slug, suffix = "hf-bpe", ".json"

    @staticmethod
    def fit(seqs: list[str], labels: list[str], n_threads: int, prefix: Path) -> Any:
        from tokenizers import Tokenizer, models, trainers

        model = Tokenizer(models.BPE())
        trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, show_progress=False)
        model.train_from_iterator(seqs, trainer=trainer)
        return model

    @staticmethod
    def save(model: Any, prefix: Path) -> None:
        model.save(str(prefix.with_suffix(".json")))

    @staticmethod
    def load(prefix: Path, n_threads: int) -> Any:
        from tokenizers import Tokenizer

        return Tokenizer.from_file(str(prefix.with_suffix(".json")))

    @staticmethod
    def vocabulary(model: Any) -> list[str]:
        return sorted(model.get_vocab())

    @staticmethod
    def count_tokens(model: Any, batch: list[str], n_threads: int) -> int:
        return sum(len(encoding) for encoding in model.encode_batch(batch))

    @staticmethod
    def pieces(model: Any, batch: list[str]) -> list[str]:
        return ["".join(encoding.tokens) for encoding in model.encode_batch(batch)]


class SentencePieceTool:
    """SentencePiece unigram, trained from fit.txt (one sequence per line)."""

    slug, suffix = "sp-unigram", ".model"

    @staticmethod
    def fit(seqs: list[str], labels: list[str], n_threads: int, prefix: Path) -> Any:
        import sentencepiece as spm

        spm.SentencePieceTrainer.train(
            input=str(prefix.parents[1] / "fit.txt"),  # prefix = WORKDIR/models/NAME
            model_prefix=str(prefix),
            model_type="unigram",
            vocab_size=VOCAB_SIZE,
            num_threads=n_threads,
            max_sentence_length=SP_MAX_SENTENCE_LENGTH,
            input_sentence_size=0,  # all sentences
            split_by_whitespace=False,
            character_coverage=1.0,
            add_dummy_prefix=False,  # no "▁" token in front of every sequence
            minloglevel=2,
        )
        return None

    @staticmethod
    def save(model: Any, prefix: Path) -> None:
        """The trainer already wrote prefix.model."""

    @staticmethod
    def load(prefix: Path, n_threads: int) -> Any:
        import sentencepiece as spm

        return spm.SentencePieceProcessor(model_file=str(prefix.with_suffix(".model")))

    @staticmethod
    def vocabulary(model: Any) -> list[str]:
        return [model.id_to_piece(i) for i in range(model.get_piece_size())]

    @staticmethod
    def count_tokens(model: Any, batch: list[str], n_threads: int) -> int:
        return sum(map(len, model.encode(batch, out_type=int, num_threads=n_threads)))

    @staticmethod
    def pieces(model: Any, batch: list[str]) -> list[str]:
        return [model.decode(ids) for ids in model.encode(batch, out_type=int)]


Tool = type[MxdnaTool] | type[HfBpeTool] | type[SentencePieceTool]
TOOLS: dict[str, Tool] = {MXDNA: MxdnaTool, BPE: HfBpeTool, SPM: SentencePieceTool}


def model_prefix(workdir: Path, tool: str, threads: str) -> Path:
    return workdir / "models" / f"{TOOLS[tool].slug}-{threads}"


def encode_model_exists(workdir: Path, tool: str) -> bool:
    """Encoding uses the model of the one-thread fit."""
    prefix = model_prefix(workdir, tool, "1")
    return prefix.with_suffix(TOOLS[tool].suffix).exists()


# -- child ----------------------------------------------------------------------------------------


def _status_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc/self/status, in MiB (not
    `ru_maxrss`, which carries the parent's high-water mark across fork + exec)."""
    with open("/proc/self/status", encoding="utf-8") as fh:
        kib = next(int(line.split()[1]) for line in fh if line.startswith(f"{field}:"))
    return kib / 1024


def _n_threads(job: Job) -> int:
    return 1 if job.threads == "1" else all_threads()


def fit_child(job: Job) -> dict[str, Any]:
    tool, workdir = TOOLS[job.tool], Path(job.workdir)
    seqs = read_lines(workdir / "fit.txt")
    labels = read_lines(workdir / "fit_labels.txt")
    prefix = model_prefix(workdir, job.tool, job.threads)
    prefix.parent.mkdir(exist_ok=True)
    baseline = _status_mib("VmRSS")
    t0 = time.perf_counter()
    model = tool.fit(seqs, labels, _n_threads(job), prefix)
    seconds = time.perf_counter() - t0
    peak = _status_mib("VmHWM")
    tool.save(model, prefix)
    tokens = tool.vocabulary(tool.load(prefix, 1))
    digest = hashlib.sha256("\n".join(sorted(tokens)).encode()).hexdigest()[:12]
    return {
        "seconds": seconds,
        "peak": peak,
        "baseline": baseline,
        "vocab": len(tokens),
        "digest": digest,
    }


def encode_child(job: Job) -> dict[str, Any]:
    tool, workdir, n_threads = TOOLS[job.tool], Path(job.workdir), _n_threads(job)
    seqs = encode_set(read_lines(workdir / "pool.txt"), job.encode_bases)
    batches = [seqs[i : i + ENCODE_BATCH] for i in range(0, len(seqs), ENCODE_BATCH)]
    model = tool.load(model_prefix(workdir, job.tool, "1"), n_threads)
    tool.count_tokens(model, batches[0][:10], n_threads)  # lazy set-up outside the timing
    baseline = _status_mib("VmRSS")
    t0 = time.perf_counter()
    tokens = sum(tool.count_tokens(model, batch, n_threads) for batch in batches)
    seconds = time.perf_counter() - t0
    peak = _status_mib("VmHWM")
    assert tool.pieces(model, batches[0][:1000]) == batches[0][:1000], "lossy round trip"
    return {
        "seconds": seconds,
        "peak": peak,
        "baseline": baseline,
        "bases": sum(map(len, seqs)),
        "sequences": len(seqs),
        "tokens": tokens,
    }


def spawn(job: Job) -> dict[str, Any]:
    env = {**os.environ, **CHILD_ENV}
    env.pop("RAYON_NUM_THREADS", None)
    if job.threads == "1":
        env["RAYON_NUM_THREADS"] = "1"
    cmd = [sys.executable, __file__, "--child", job.spec()]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{job.phase} with {job.tool} ({job.threads}) failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- speed runs -----------------------------------------------------------------------------------

Results = dict[tuple[str, str, str], list[dict[str, Any]]]


def _log(repeat: int, job: Job, result: dict[str, Any]) -> None:
    print(
        f"repeat {repeat}: {job.phase:6} {job.tool:22} threads={job.threads:3} "
        f"{result['seconds']:8.2f} s",
        file=sys.stderr,
        flush=True,
    )


def run_rounds(rounds: list[list[Job]]) -> Results:
    """Run the jobs of each round in turn, starting round r at its job r (round-robin)."""
    results: Results = {}
    for r, jobs in enumerate(rounds):
        for job in jobs[r % len(jobs) :] + jobs[: r % len(jobs)]:
            result = spawn(job)
            _log(r + 1, job, result)
            results.setdefault(job.key(), []).append(result)
    return results


def run_fits(workdir: Path, repeats: int, skip_sp_fit: bool) -> Results:
    """mxdna and BPE fits `repeats` times, interleaved; SentencePiece fits once each (in the
    first round). With `skip_sp_fit` the SentencePiece model of an earlier run is reused, or,
    if there is none, trained once with one thread without reporting its time."""
    fast = [Job("fit", t, n, str(workdir)) for t in (MXDNA, BPE) for n in THREADS]
    slow = [Job("fit", SPM, n, str(workdir)) for n in THREADS]
    if not skip_sp_fit:
        return run_rounds([fast + slow] + [fast] * (repeats - 1))
    if not encode_model_exists(workdir, SPM):
        print("training the SentencePiece model once (time not reported)", file=sys.stderr)
        spawn(slow[0])
    return run_rounds([fast] * repeats)


def run_encodes(workdir: Path, sizes: Sizes, repeats: int) -> Results:
    jobs = [
        Job("encode", tool, n, str(workdir), sizes.encode_bases) for tool in TOOLS for n in THREADS
    ]
    results = run_rounds([jobs] * repeats)
    for runs in results.values():  # every run encoded the same sequences
        assert len({(r["bases"], r["sequences"]) for r in runs}) == 1
    return results


def check_fits(results: Results) -> dict[str, bool]:
    """Per tool: did every fit (all runs, both thread settings) give the same vocabulary?
    mxdna documents that its result does not depend on n_jobs: asserted."""
    same = {
        tool: len({r["digest"] for (_, t, _), runs in results.items() if t == tool for r in runs})
        == 1
        for tool in TOOLS
        if any(t == tool for _, t, _ in results)
    }
    assert same[MXDNA], "mxdna fits differ between runs or thread settings"
    return same


# -- speed report ---------------------------------------------------------------------------------


def _median(runs: list[dict[str, Any]]) -> float:
    return statistics.median(r["seconds"] for r in runs)


def _spread(runs: list[dict[str, Any]]) -> str:
    times = [r["seconds"] for r in runs]
    return f"{(max(times) - min(times)) / statistics.median(times):.0%}"


def _memory(runs: list[dict[str, Any]]) -> str:
    peak = max(r["peak"] for r in runs)
    over = max(r["peak"] - r["baseline"] for r in runs)
    return f"{peak:,.0f} | {over:,.0f}"


def _ratio_cell(results: Results, key: tuple[str, str, str], peer: tuple[str, str, str]) -> str:
    """Speed of `key` over speed of `peer` (peer time / own time, medians); > 1 = faster."""
    if peer not in results:
        return "–"
    return f"{_median(results[peer]) / _median(results[key]):.2f}x"


def fit_table(results: Results) -> list[str]:
    rows = [
        "| tokenizer | threads | runs | median s | min s | spread | peak RSS MiB "
        "| RSS over baseline MiB | vocab | vs HF BPE (same threads) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (phase, tool, threads), runs in results.items():
        vs_bpe = _ratio_cell(results, (phase, tool, threads), (phase, BPE, threads))
        rows.append(
            f"| {tool} | {threads} | {len(runs)} | {_median(runs):.1f} | "
            f"{min(r['seconds'] for r in runs):.1f} | {_spread(runs)} | {_memory(runs)} "
            f"| {runs[0]['vocab']:,} | {vs_bpe} |"
        )
    return rows


def _mbps(runs: list[dict[str, Any]]) -> float:
    return runs[0]["bases"] / _median(runs) / 1e6


def encode_table(results: Results) -> list[str]:
    rows = [
        "| tokenizer | threads | runs | median s | min s | spread | Mbp/s | bases/token "
        "| peak RSS MiB | RSS over baseline MiB | vs SentencePiece 1 thread "
        "| vs SentencePiece same threads |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (phase, tool, threads), runs in results.items():
        key = (phase, tool, threads)
        rows.append(
            f"| {tool} | {threads} | {len(runs)} | {_median(runs):.2f} "
            f"| {min(r['seconds'] for r in runs):.2f} | {_spread(runs)} | {_mbps(runs):.1f} "
            f"| {runs[0]['bases'] / runs[0]['tokens']:.2f} | {_memory(runs)} "
            f"| {_ratio_cell(results, key, (phase, SPM, '1'))} "
            f"| {_ratio_cell(results, key, (phase, SPM, threads))} |"
        )
    return rows


def _threads_text(threads: str) -> str:
    return "1 thread" if threads == "1" else "all threads"


def _verdict(ratio: float) -> str:
    if ratio >= 1:
        return f"met ({ratio:.2f}x)"
    return f"missed ({ratio:.2f}x, {1 - ratio:.0%} short)"


def speed_verdicts(fits: Results, encodes: Results, same_vocab: dict[str, bool]) -> list[str]:
    fit = {n: _median(fits[("fit", BPE, n)]) / _median(fits[("fit", MXDNA, n)]) for n in THREADS}
    sp_one = _median(encodes[("encode", SPM, "1")])
    enc = {n: sp_one / _median(encodes[("encode", MXDNA, n)]) for n in THREADS}
    measured = {
        ("fit", BPE): f"{_median(fits[('fit', BPE, '1')]):.1f} s on 1 thread",
        ("encode", SPM): f"{_mbps(encodes[('encode', SPM, '1')]):.1f} Mbp/s on 1 thread",
        ("encode", BPE): f"{_mbps(encodes[('encode', BPE, '1')]):.1f} Mbp/s on 1 thread, "
        f"{_mbps(encodes[('encode', BPE, 'all')]):.1f} on all",
    }
    if ("fit", SPM, "1") in fits:
        measured[("fit", SPM)] = f"{_median(fits[('fit', SPM, '1')]):.0f} s on 1 thread"
    quotes = "; ".join(
        f"{tool} {phase} {measured[(phase, tool)]} (quoted {PEER_QUOTES[(phase, tool)]})"
        for phase, tool in PEER_QUOTES
        if (phase, tool) in measured
    )
    return [
        "Target fit no slower than HF BPE (median times, same thread setting): "
        + "; ".join(f"{_threads_text(n)} {_verdict(x)}" for n, x in fit.items())
        + ".",
        "Target encode at least as fast as SentencePiece unigram on one thread: mxdna "
        + "; ".join(f"{_threads_text(n)} {_verdict(x)}" for n, x in enc.items())
        + ".",
        f"Peers measured here against the numbers quoted in the issue: {quotes}.",
        "Same vocabulary in every fit run and thread setting: "
        + ", ".join(f"{tool} {'yes' if ok else 'no'}" for tool, ok in same_vocab.items())
        + ".",
    ]


def _encode_set_text(corpus: Corpus, sizes: Sizes) -> str:
    passes = sizes.encode_bases / corpus.pool_bases
    if passes <= 1:
        return f"the first {sizes.encode_bases:,}+ bases of the same pool (no repeats)"
    return (
        f"the same pool cycled to {sizes.encode_bases:,}+ bases ({passes:.1f} passes), so the "
        "encode data repeat"
    )


def speed_header(corpus: Corpus, sizes: Sizes, repeats: int, skip_sp_fit: bool) -> list[str]:
    from mxdna.tokenizer import lattice

    shortfall = (
        f" (the shared data hold only {corpus.pool_bases:,} bases, so all of them are used)"
        if corpus.fit_bases < sizes.fit_bases
        else ""
    )
    sp_fit = (
        "not timed (`--skip-sentencepiece-fit`)"
        if skip_sp_fit
        else "once per thread setting (minutes per run)"
    )
    return [
        f"- Data: the training sequences of {', '.join(CORPUS_SETS)} (real human DNA, "
        f"upper-cased): {corpus.pool_seqs:,} sequences, {corpus.pool_bases:,} bases, at most "
        f"{corpus.longest} bp each. Fitting set: the first {corpus.fit_seqs:,} of them, "
        f"{corpus.fit_bases:,} bases{shortfall}. Encoding set: {_encode_set_text(corpus, sizes)}; "
        f"each tool gets batches of {ENCODE_BATCH:,} sequences.",
        "- Labels: mxdna's fit uses each record's `label=` (0/1, for information gain); BPE and "
        "SentencePiece are unsupervised.",
        f"- Vocabulary {VOCAB_SIZE} for every tool (mxdna: 9 fixed ids included; SentencePiece: "
        "`<unk>`, `<s>`, `</s>` included; BPE: the 4 bases included).",
        f"- Settings: mxdna `Tokenizer(vocab_size=4096, seed=0, n_jobs=1 | {all_threads()})` "
        f"(compiled Viterbi kernel: {'yes' if lattice._viterbi is not None else 'no'}); HF "
        "`Tokenizer(models.BPE())` + `BpeTrainer(vocab_size=4096)` via `train_from_iterator`, "
        "`encode_batch`, one thread = `RAYON_NUM_THREADS=1`; SentencePiece `model_type=unigram, "
        f"input_sentence_size=0, max_sentence_length={SP_MAX_SENTENCE_LENGTH}, "
        "split_by_whitespace=false, character_coverage=1.0, add_dummy_prefix=false`, "
        "`encode(batch, out_type=int, num_threads=n)`. All threads = "
        f"{all_threads()} on this machine.",
        f"- Method: {repeats} run(s) per cell, each in a fresh process, interleaved round-robin "
        f"(order rotated per repeat); SentencePiece fit {sp_fit}. Times cover the fit or encode "
        "call only (data already in memory). Peak RSS = VmHWM of the child (max over runs); "
        "baseline = its VmRSS with the data loaded. Ratios come from median times.",
    ]


# -- value check ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """A classification task: train/test sequences and labels, and the evaluation subsets."""

    name: str
    vocab: int
    train: tuple[list[str], list[str]]
    test: tuple[list[str], list[str]]
    subsets: dict[str, list[int]]  # row label -> test indices


def ienhancer_task() -> Task:
    """iEnhancer-2L layer 1: strong + weak = enhancer vs non_enhancer; also the 300 test
    sequences that do not occur in train (SOURCE.md: the 100 strong test ones do)."""
    folder = find_dataset("ienhancer_2l")
    ids = _leaked_ids(folder / "test_in_train.tsv")
    train_seqs, train_labels = read_labelled(folder / "train.fa")
    test_seqs, test_labels = read_labelled(folder / "test.fa")
    from mxdna.io.fasta import read_fasta

    test_ids = [record.id for record in read_fasta(folder / "test.fa")]
    clean = [i for i, name in enumerate(test_ids) if name not in ids]
    return Task(
        "ienhancer_2l",
        1024,
        (train_seqs, _layer1(train_labels)),
        (test_seqs, _layer1(test_labels)),
        {
            f"ienhancer_2l layer 1 (all {len(test_seqs)} test)": list(range(len(test_seqs))),
            f"ienhancer_2l layer 1 ({len(clean)} leak-free test)": clean,
        },
    )


def _layer1(labels: list[str]) -> list[str]:
    return ["non_enhancer" if y == "non_enhancer" else "enhancer" for y in labels]


def _leaked_ids(tsv: Path) -> set[str]:
    lines = tsv.read_text(encoding="utf-8").splitlines()[1:]
    return {line.split("\t")[0] for line in lines if line}


def tata_task() -> Task:
    folder = find_dataset("gue_prom_300_tata")
    test = read_labelled(folder / "test.fa")
    n = len(test[0])
    return Task(
        "gue_prom_300_tata",
        4096,
        read_labelled(folder / "train.fa"),
        test,
        {f"gue_prom_300_tata ({n} test)": list(range(n))},
    )


Featurizer = Callable[[list[str]], Any]  # sequences -> scipy.sparse count matrix (n, features)


def segmentation_counts(tokenizer: Any) -> Featurizer:
    """Token counts per sequence from a fitted mxdna-interface tokenizer."""
    import numpy as np
    from scipy import sparse

    def features(seqs: list[str]) -> Any:
        segmentation = tokenizer.segment(seqs)
        rows = segmentation.sequence_index()
        ones = np.ones(len(rows), dtype=np.float64)
        shape = (len(seqs), tokenizer.vocab_size)
        return sparse.csr_matrix((ones, (rows, segmentation.ids)), shape=shape)

    return features


def kmer_counts(k: int) -> Featurizer:
    """Overlapping k-mer counts (4^k features), computed directly with numpy."""
    import numpy as np
    from scipy import sparse

    from mxdna.tokenizer.lattice import to_codes

    def features(seqs: list[str]) -> Any:
        codes, starts = to_codes(seqs)
        windows = np.lib.stride_tricks.sliding_window_view(codes.astype(np.int64), k)
        values = windows @ (4 ** np.arange(k - 1, -1, -1, dtype=np.int64))
        seq_of = np.searchsorted(starts, np.arange(len(windows)), side="right") - 1
        valid = (np.arange(len(windows)) + k <= starts[seq_of + 1]) & (windows < 4).all(axis=1)
        ones = np.ones(int(valid.sum()), dtype=np.float64)
        shape = (len(seqs), 4**k)
        return sparse.csr_matrix((ones, (seq_of[valid], values[valid])), shape=shape)

    return features


def featurizers(task: Task) -> list[tuple[str, int, Featurizer]]:
    """(name, vocabulary size, featurizer) of every tokenizer, fitted on the training split."""
    from mxdna.tokenizer import BpeTokenizer, Tokenizer

    seqs, labels = task.train
    learned = Tokenizer(vocab_size=task.vocab, seed=0).fit(seqs, labels)
    unlabelled = Tokenizer(vocab_size=task.vocab, seed=0).fit(seqs)
    bpe = BpeTokenizer(vocab_size=task.vocab).fit(seqs)
    return [
        ("mxdna learned (with labels)", learned.vocab_size, segmentation_counts(learned)),
        ("mxdna learned (no labels)", unlabelled.vocab_size, segmentation_counts(unlabelled)),
        ("BPE (mxdna BpeTokenizer)", bpe.vocab_size, segmentation_counts(bpe)),
        ("6-mers, overlapping", 4**6, kmer_counts(6)),
    ]


def evaluate(task: Task) -> list[dict[str, Any]]:
    """Tf-idf of token counts -> logistic regression; accuracy and MCC on each test subset."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, matthews_corrcoef
    from sklearn.pipeline import make_pipeline

    rows = []
    test_seqs, test_labels = task.test
    y_test = np.array(test_labels)
    for name, vocab, features in featurizers(task):
        model = make_pipeline(
            TfidfTransformer(), LogisticRegression(max_iter=2000, C=1.0, random_state=0)
        )
        model.fit(features(task.train[0]), task.train[1])
        x_test = features(test_seqs)
        predicted = model.predict(x_test)
        for subset, index in task.subsets.items():
            bases = sum(len(test_seqs[i]) for i in index)
            rows.append(
                {
                    "dataset": subset,
                    "tokenizer": name,
                    "vocab": vocab,
                    "accuracy": accuracy_score(y_test[index], predicted[index]),
                    "mcc": matthews_corrcoef(y_test[index], predicted[index]),
                    "bases_per_token": bases / x_test[index].sum(),
                }
            )
    order = list(task.subsets)
    return sorted(rows, key=lambda row: order.index(row["dataset"]))  # stable: tokenizer order


PUBLISHED = [
    "ienhancer_2l layer 1 (its SOURCE.md, full 400-sequence test set): from Acc 0.730 / "
    "MCC 0.460 (iEnhancer-2L) to Acc 0.830 / MCC 0.661 (iEnhancer-ELM, DNABERT-based), with an "
    "outlier at 0.937 (iEnhancer-RLA).",
    "gue_prom_300_tata (its SOURCE.md, MCC x 100 on test): DNABERT 6-mer 61.56, DNABERT-2 "
    "71.59, NT-2500M-multi 79.43.",
]


def value_section() -> list[str]:
    rows = [
        "| dataset | tokenizer | vocab | accuracy | MCC | bases/token |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for task in (ienhancer_task(), tata_task()):
        print(f"value check: {task.name}", file=sys.stderr, flush=True)
        rows += [
            f"| {r['dataset']} | {r['tokenizer']} | {r['vocab']:,} | {r['accuracy']:.3f} "
            f"| {r['mcc']:.3f} | {r['bases_per_token']:.2f} |"
            for r in evaluate(task)
        ]
    return [
        "### Value check: logistic regression on token counts",
        "",
        "Each tokenizer is fitted on the training split only (mxdna with the task's labels, and "
        "once without; seed 0); features = token counts per sequence (scipy.sparse), tf-idf "
        "(scikit-learn `TfidfTransformer` defaults, fitted on train), then "
        "`LogisticRegression(max_iter=2000, C=1.0, random_state=0)`; scored on the test split. "
        "Vocabulary: 1024 for ienhancer_2l (0.59 Mbp of training data), 4096 for "
        "gue_prom_300_tata (1.47 Mbp). The 6-mer row counts every overlapping 6-mer "
        "(4096 features, about one token per base). Bases/token on the test sequences.",
        "",
        *rows,
        "",
        "Published numbers, for context only (trained deep models, not comparable with a linear "
        "model on counts): " + " ".join(PUBLISHED),
    ]


# -- report and main ------------------------------------------------------------------------------


def source_version() -> str:
    """The commit of the mxdna sources, and whether mxdna/ differs from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "mxdna")
    return f"commit {commit}" + (" with uncommitted changes in mxdna/" if dirty else "")


def header() -> list[str]:
    names = ("numpy", "scipy", "scikit-learn", "tokenizers", "sentencepiece")
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in names)
    return [
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Python {platform.python_version()}; {versions}; mxdna {source_version()}",
        f"- Command: `{command_line()}`",
    ]


def speed_section(args: argparse.Namespace, sizes: Sizes, workdir: Path) -> list[str]:
    corpus = prepare_corpus(workdir, sizes)
    fits = run_fits(workdir, args.repeats, args.skip_sentencepiece_fit)
    same_vocab = check_fits(fits)
    encodes = run_encodes(workdir, sizes, args.repeats)
    return [
        *speed_header(corpus, sizes, args.repeats, args.skip_sentencepiece_fit),
        "",
        f"### Fit (vocabulary {VOCAB_SIZE}, {corpus.fit_bases / 1e6:.0f} Mbp)",
        "",
        *fit_table(fits),
        "",
        f"### Encode ({sizes.encode_bases / 1e6:.0f} Mbp)",
        "",
        *encode_table(encodes),
        "",
        *speed_verdicts(fits, encodes, same_vocab),
    ]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_workdir = Path(__file__).resolve().parent / "_work"
    parser.add_argument("--workdir", type=Path, default=default_workdir)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10x smaller data (smoke test)")
    parser.add_argument("--out", type=Path, help="also write the Markdown section here")
    parser.add_argument(
        "--skip-sentencepiece-fit",
        action="store_true",
        help="do not time SentencePiece training (minutes); reuse the model of an earlier run",
    )
    parser.add_argument("--part", choices=("speed", "value", "all"), default="all")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.child:
        job = Job(**json.loads(args.child))
        result = fit_child(job) if job.phase == "fit" else encode_child(job)
        print(json.dumps(result))
        return
    scale = QUICK_FACTOR if args.quick else 1
    sizes = Sizes(FIT_BASES // scale, ENCODE_BASES // scale)
    workdir = (args.workdir / "tokenizer" / ("quick" if args.quick else "full")).resolve()
    lines = ["## Tokenizer (issue: learnable tokenizer)", "", *header()]
    if args.part in ("speed", "all"):
        lines += speed_section(args, sizes, workdir)
    if args.part in ("value", "all"):
        lines += ["", *value_section()]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
