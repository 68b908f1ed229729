"""Reading DNA: mxdna's FASTA reader and Genome against Biopython and pyfaidx.

Streaming: mxdna `read_fasta` (compiled and pure-Python engines) against
`Bio.SeqIO.FastaIO.SimpleFastaParser` and `Bio.SeqIO.parse` on 1M x 200 bp records and on
20 x 10 Mbp records, plus a gzip row. Random access: 100k intervals with `Genome.fetch` against
`pyfaidx.Fasta` and `pyfaidx.Faidx`, plus a bgzip row.

Every measurement runs in a fresh subprocess (`--child`), so peak RSS is per reader; repeats are
interleaved round-robin so that machine noise hits every reader alike; medians are reported.

    .venv/bin/python benchmarks/io_benchmark.py [--workdir DIR] [--repeats 3] [--quick] [--out F]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

# numpy, Bio, pyfaidx and mxdna are imported inside functions: a child process must only load
# what its own reader needs, so that its baseline RSS is the reader's own.

SHORT_RECORDS, SHORT_LENGTH = 1_000_000, 200
LONG_RECORDS, LONG_LENGTH, LONG_WIDTH = 20, 10_000_000, 60
N_INTERVALS, N_BGZIP_INTERVALS = 100_000, 10_000
QUICK_FACTOR = 10
MIN_SPAN, MAX_SPAN = 100, 2000
CHILD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
STREAM_READERS = ("mxdna (C)", "mxdna (pure Python)", "SimpleFastaParser", "Bio.SeqIO.parse")
GZIP_READERS = ("mxdna (C)", "SimpleFastaParser")
PEER = "SimpleFastaParser"
ACCESS_PEER = "pyfaidx.Fasta"


@dataclass(frozen=True)
class Sizes:
    short_records: int
    long_length: int
    intervals: int
    bgzip_intervals: int


@dataclass(frozen=True)
class Job:
    """One measurement: a streaming reader on a file, or an access method on a genome."""

    kind: str  # "stream" or "access"
    label: str  # the file's row label
    method: str
    path: str
    n_intervals: int = 0
    mixed_strands: bool = False

    def spec(self) -> str:
        return json.dumps(self.__dict__)


# -- data -----------------------------------------------------------------------------------------


def _digit_sum(n: int) -> int:
    """sum(len(str(i)) for i in range(n))."""
    total, width, low = 0, 1, 0
    while low < n:
        high = min(n, 10**width)
        total += (high - low) * width
        low, width = high, width + 1
    return total


def short_size(n: int) -> int:
    """Bytes of short.fa: '>seq{i} label={0|1}\\n' (13 + digits) then 200 bases and '\\n'."""
    return n * (13 + SHORT_LENGTH + 1) + _digit_sum(n)


def long_size(length: int) -> int:
    """Bytes of long.fa: '>chr{i}\\n' then `length` bases wrapped at 60 columns."""
    lines = -(-length // LONG_WIDTH)
    return LONG_RECORDS * (5 + length + lines) + _digit_sum(LONG_RECORDS)


def _write_atomic(dest: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file, then rename: a file that exists is complete."""
    tmp = dest.with_name(dest.name + ".tmp")
    write(tmp)
    for sidecar in (".fai", ".gzi"):  # indexes of an older version of the file
        Path(f"{dest}{sidecar}").unlink(missing_ok=True)
    os.replace(tmp, dest)


def _write_short(path: Path, n: int) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    alphabet = np.frombuffer(b"ACGT", dtype=np.uint8)
    labels = rng.integers(0, 2, size=n)
    width = SHORT_LENGTH + 1
    with open(path, "wb") as fh:
        for low in range(0, n, 100_000):
            high = min(n, low + 100_000)
            rows = np.full((high - low, width), ord("\n"), dtype=np.uint8)
            rows[:, :SHORT_LENGTH] = alphabet[rng.integers(0, 4, (high - low, SHORT_LENGTH))]
            body = rows.tobytes()
            fh.write(
                b"".join(
                    f">seq{i} label={labels[i]}\n".encode() + body[k * width : (k + 1) * width]
                    for k, i in enumerate(range(low, high))
                )
            )


def _write_long(path: Path, length: int) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    alphabet = np.frombuffer(b"ACGT", dtype=np.uint8)
    full = length // LONG_WIDTH * LONG_WIDTH
    with open(path, "wb") as fh:
        for i in range(LONG_RECORDS):
            bases = alphabet[rng.integers(0, 4, length)]
            rows = np.full((full // LONG_WIDTH, LONG_WIDTH + 1), ord("\n"), dtype=np.uint8)
            rows[:, :LONG_WIDTH] = bases[:full].reshape(-1, LONG_WIDTH)
            fh.write(f">chr{i}\n".encode() + rows.tobytes())
            if full < length:
                fh.write(bases[full:].tobytes() + b"\n")


def _gzip(src: Path, dest: Path) -> None:
    if shutil.which("gzip"):
        with open(dest, "wb") as out:
            subprocess.run(["gzip", "-1", "-c", str(src)], stdout=out, check=True)
        return
    with open(src, "rb") as fin, gzip.open(dest, "wb", compresslevel=1) as out:
        shutil.copyfileobj(fin, out, 1 << 20)


def _bgzip(src: Path, dest: Path) -> None:
    from Bio import bgzf

    with open(src, "rb") as fin, bgzf.BgzfWriter(str(dest), "wb") as out:
        shutil.copyfileobj(fin, out, 1 << 20)


def _ensure(path: Path, size: int, write: Callable[[Path], None]) -> None:
    if path.exists() and path.stat().st_size == size:
        print(f"reusing {path}", file=sys.stderr)
        return
    print(f"writing {path} ({size / 1e6:.0f} MB)", file=sys.stderr)
    _write_atomic(path, write)


def _ensure_derived(src: Path, dest: Path, convert: Callable[[Path, Path], None]) -> None:
    """(Re)write `dest` from `src` unless a complete copy newer than `src` exists."""
    if dest.exists() and dest.stat().st_mtime >= src.stat().st_mtime:
        print(f"reusing {dest}", file=sys.stderr)
        return
    print(f"writing {dest}", file=sys.stderr)
    _write_atomic(dest, lambda tmp: convert(src, tmp))


def prepare_files(workdir: Path, sizes: Sizes) -> dict[str, Path]:
    workdir.mkdir(parents=True, exist_ok=True)
    files = {name: workdir / name for name in ("short.fa", "long.fa", "short.fa.gz", "long.fa.bgz")}
    _ensure(
        files["short.fa"],
        short_size(sizes.short_records),
        lambda p: _write_short(p, sizes.short_records),
    )
    _ensure(
        files["long.fa"], long_size(sizes.long_length), lambda p: _write_long(p, sizes.long_length)
    )
    _ensure_derived(files["short.fa"], files["short.fa.gz"], _gzip)
    _ensure_derived(files["long.fa"], files["long.fa.bgz"], _bgzip)
    return files


def build_indexes(paths: Iterable[Path]) -> None:
    """Build .fai (and .gzi for bgzip) once, outside any timing."""
    import pyfaidx

    for path in paths:
        pyfaidx.Faidx(str(path)).close()


def warm_page_cache(paths: Iterable[Path]) -> None:
    for path in paths:
        with open(path, "rb") as fh:
            while fh.read(1 << 24):
                pass


# -- intervals ------------------------------------------------------------------------------------


def read_lengths(fasta: str) -> dict[str, int]:
    with open(f"{fasta}.fai", encoding="utf-8") as fh:
        return {f[0]: int(f[1]) for f in (line.split("\t") for line in fh)}


def make_intervals(fasta: str, n: int, mixed: bool) -> list[tuple[str, int, int, str]]:
    """n random (chrom, start, end, strand), seed 1: chrom uniform, 100..2000 bp, fits."""
    import numpy as np

    lengths = read_lengths(fasta)
    names, sizes = list(lengths), np.array(list(lengths.values()))
    rng = np.random.default_rng(1)
    chrom = rng.integers(0, len(names), n)
    span = rng.integers(MIN_SPAN, MAX_SPAN + 1, n)
    start = (rng.random(n) * (sizes[chrom] - span + 1)).astype(np.int64)
    minus = rng.integers(0, 2, n).astype(bool) & mixed
    return [
        (names[c], s, s + w, "-" if m else "+")
        for c, s, w, m in zip(
            chrom.tolist(), start.tolist(), span.tolist(), minus.tolist(), strict=True
        )
    ]


# -- readers (run inside the child) ---------------------------------------------------------------

Counter = Callable[[str], tuple[int, int]]
Fetch = Callable[[str, int, int, str], str]


def _count_tuples(it: Iterator[tuple]) -> tuple[int, int]:
    n = bases = 0
    for rec in it:
        n += 1
        bases += len(rec[1])
    return n, bases


def _count_seqrecords(it: Iterator) -> tuple[int, int]:
    n = bases = 0
    for rec in it:
        n += 1
        bases += len(rec.seq)
    return n, bases


def _mxdna_reader(engine: str) -> Counter:
    from mxdna.io.fasta import read_fasta

    return lambda path: _count_tuples(read_fasta(path, engine=engine))


def _simple_reader() -> Counter:
    from Bio.SeqIO.FastaIO import SimpleFastaParser

    def count(path: str) -> tuple[int, int]:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as fh:
            return _count_tuples(SimpleFastaParser(fh))

    return count


def _seqio_reader() -> Counter:
    from Bio import SeqIO

    return lambda path: _count_seqrecords(SeqIO.parse(path, "fasta"))


STREAM_SETUP: dict[str, Callable[[], Counter]] = {
    "mxdna (C)": lambda: _mxdna_reader("auto"),
    "mxdna (pure Python)": lambda: _mxdna_reader("python"),
    "SimpleFastaParser": _simple_reader,
    "Bio.SeqIO.parse": _seqio_reader,
}


def _mxdna_fetch(path: str) -> Fetch:
    from mxdna.io.genome import Genome

    return Genome(path).fetch


def _fasta_fetch(path: str) -> Fetch:
    import pyfaidx

    fasta = pyfaidx.Fasta(path)

    def fetch(chrom: str, start: int, end: int, strand: str) -> str:
        seq = fasta[chrom][start:end]
        return (-seq).seq if strand == "-" else seq.seq

    return fetch


def _faidx_fetch(path: str) -> Fetch:
    import pyfaidx

    faidx = pyfaidx.Faidx(path, as_raw=True)
    return lambda chrom, start, end, strand: faidx.fetch(chrom, start + 1, end)


ACCESS_SETUP: dict[str, Callable[[str], Fetch]] = {
    "mxdna Genome.fetch": _mxdna_fetch,
    "pyfaidx.Fasta": _fasta_fetch,
    "pyfaidx.Faidx (as_raw)": _faidx_fetch,
}


# -- child ----------------------------------------------------------------------------------------


def _status_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc/self/status, in MiB.

    Not `ru_maxrss`: on Linux it carries the parent's high-water mark across fork + exec, so every
    child would report at least the parent's peak.
    """
    with open("/proc/self/status", encoding="utf-8") as fh:
        kib = next(int(line.split()[1]) for line in fh if line.startswith(f"{field}:"))
    return kib / 1024


def run_child(job: Job) -> dict[str, float]:
    if job.kind == "stream":
        count = STREAM_SETUP[job.method]()
        baseline = _status_mib("VmRSS")
        t0 = time.perf_counter()
        records, bases = count(job.path)
        seconds = time.perf_counter() - t0
        return {
            "seconds": seconds,
            "records": records,
            "bases": bases,
            "baseline": baseline,
            "peak": _status_mib("VmHWM"),
        }
    intervals = make_intervals(job.path, job.n_intervals, job.mixed_strands)
    fetch = ACCESS_SETUP[job.method](job.path)
    t0 = time.perf_counter()
    bases = 0
    for chrom, start, end, strand in intervals:
        bases += len(fetch(chrom, start, end, strand))
    return {"seconds": time.perf_counter() - t0, "records": len(intervals), "bases": bases}


def spawn(job: Job) -> dict[str, float]:
    env = {**os.environ, **CHILD_ENV}
    cmd = [sys.executable, __file__, "--child", job.spec()]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{job.method} on {job.label} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- jobs, checks, runs ---------------------------------------------------------------------------


def stream_jobs(files: dict[str, Path]) -> list[Job]:
    jobs = [
        Job("stream", name, reader, str(files[name]))
        for name in ("short.fa", "long.fa")
        for reader in STREAM_READERS
    ]
    jobs += [Job("stream", "short.fa.gz", r, str(files["short.fa.gz"])) for r in GZIP_READERS]
    return jobs


def access_jobs(files: dict[str, Path], sizes: Sizes) -> list[Job]:
    plain, bgz = str(files["long.fa"]), str(files["long.fa.bgz"])
    jobs = [Job("access", "long.fa, + strand", m, plain, sizes.intervals) for m in ACCESS_SETUP]
    jobs += [
        Job("access", "long.fa, mixed +/-", m, plain, sizes.intervals, mixed_strands=True)
        for m in ("mxdna Genome.fetch", ACCESS_PEER)
    ]
    jobs += [
        Job("access", "long.fa.bgz, + strand", m, bgz, sizes.bgzip_intervals)
        for m in ("mxdna Genome.fetch", ACCESS_PEER)
    ]
    return jobs


def check_access_agree(files: dict[str, Path], n: int = 1000) -> None:
    """The first n intervals give identical sequences with every method, on every file."""
    plain, bgz = str(files["long.fa"]), str(files["long.fa.bgz"])
    for path, mixed, methods in (
        (plain, False, list(ACCESS_SETUP)),
        (plain, True, ["mxdna Genome.fetch", ACCESS_PEER]),
        (bgz, False, ["mxdna Genome.fetch", ACCESS_PEER]),
    ):
        intervals = make_intervals(plain, n, mixed)
        fetches = [ACCESS_SETUP[m](path) for m in methods]
        for interval in intervals:
            seqs = {f(*interval) for f in fetches}
            assert len(seqs) == 1, f"methods disagree on {interval} in {path}"


def run_all(jobs: list[Job], repeats: int, expected: dict[str, tuple[int, int]]) -> dict[Job, list]:
    """Run every job `repeats` times, round-robin, starting each repeat one job further on."""
    results: dict[Job, list] = {job: [] for job in jobs}
    for r in range(repeats):
        for job in jobs[r % len(jobs) :] + jobs[: r % len(jobs)]:
            result = spawn(job)
            if job.kind == "stream":
                got = (result["records"], result["bases"])
                assert got == expected[job.label], f"{job.method} on {job.label}: {got}"
            print(
                f"repeat {r + 1}: {job.label:22} {job.method:24} {result['seconds']:7.2f} s",
                file=sys.stderr,
            )
            results[job].append(result)
    return results


def check_access_counts(results: dict[Job, list]) -> None:
    """Every access method returned the same total number of bases for the same intervals."""
    totals: dict[tuple[str, bool, int], set[int]] = {}
    for job, runs in results.items():
        if job.kind == "access":
            key = (job.label, job.mixed_strands, job.n_intervals)
            totals.setdefault(key, set()).update(r["bases"] for r in runs)
    assert all(len(t) == 1 for t in totals.values()), f"access totals differ: {totals}"


# -- report ---------------------------------------------------------------------------------------


def _median(runs: list[dict]) -> float:
    return statistics.median(r["seconds"] for r in runs)


def _spread(runs: list[dict]) -> str:
    times = [r["seconds"] for r in runs]
    return f"{(max(times) - min(times)) / statistics.median(times):.0%}"


def _runs(results: dict[Job, list], label: str, method: str) -> list[dict]:
    return next(r for j, r in results.items() if j.label == label and j.method == method)


def ratio(results: dict[Job, list], label: str, method: str, peer: str) -> float:
    """Throughput of `method` over that of `peer` on the same row label (medians)."""
    return _median(_runs(results, label, peer)) / _median(_runs(results, label, method))


def stream_table(results: dict[Job, list]) -> list[str]:
    rows = [
        "| file | reader | median s | min s | spread | Mbp/s | records/s | peak RSS MiB "
        "| RSS over baseline MiB | vs SimpleFastaParser |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for job, runs in results.items():
        if job.kind != "stream":
            continue
        t, r0 = _median(runs), runs[0]
        peak = max(r["peak"] for r in runs)
        delta = max(r["peak"] - r["baseline"] for r in runs)
        speedup = ratio(results, job.label, job.method, PEER)
        rows.append(
            f"| {job.label} | {job.method} | {t:.2f} | {min(r['seconds'] for r in runs):.2f} "
            f"| {_spread(runs)} | {r0['bases'] / t / 1e6:.0f} | {r0['records'] / t:,.0f} "
            f"| {peak:.0f} | {delta:.0f} | {speedup:.2f}x |"
        )
    return rows


def access_table(results: dict[Job, list]) -> list[str]:
    rows = [
        "| file, strands | method | intervals | median s | min s | spread | intervals/s "
        "| vs pyfaidx.Fasta |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for job, runs in results.items():
        if job.kind != "access":
            continue
        t = _median(runs)
        speedup = ratio(results, job.label, job.method, ACCESS_PEER)
        rows.append(
            f"| {job.label} | {job.method} | {job.n_intervals:,} | {t:.2f} "
            f"| {min(r['seconds'] for r in runs):.2f} | {_spread(runs)} "
            f"| {job.n_intervals / t:,.0f} | {speedup:.2f}x |"
        )
    return rows


def _verdict(speedup: float, target: float) -> str:
    if speedup >= target:
        return f"met ({speedup:.2f}x)"
    return f"missed ({speedup:.2f}x, {1 - speedup / target:.0%} short of {target:g}x)"


def interpretation(results: dict[Job, list]) -> list[str]:
    stream = {name: ratio(results, name, "mxdna (C)", PEER) for name in ("short.fa", "long.fa")}
    gz = ratio(results, "short.fa.gz", "mxdna (C)", PEER)
    access = {
        job.label: ratio(results, job.label, "mxdna Genome.fetch", ACCESS_PEER)
        for job in results
        if job.kind == "access" and job.method == ACCESS_PEER
    }
    access_text = "; ".join(f"{label} {_verdict(x, 1)}" for label, x in access.items())
    return [
        "Target mxdna >= 2x SimpleFastaParser (median throughputs): "
        + "; ".join(f"{name} {_verdict(x, 2)}" for name, x in stream.items())
        + f". On short.fa.gz, where gzip decompression is shared work, the ratio is {gz:.2f}x.",
        f"Target Genome.fetch no slower than pyfaidx.Fasta: {access_text}.",
        "Ratios come from medians of interleaved repeats in fresh processes; the spread column, "
        "(max - min) / median, shows how noisy each cell was on this machine.",
    ]


def machine() -> str:
    model = platform.processor()
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        names = [line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")]
    model = names[0] if names else model or "unknown CPU"
    with open("/proc/meminfo", encoding="utf-8") as fh:
        kib = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
    return f"{model}, {os.cpu_count()} cores, {kib / 2**20:.0f} GiB RAM, {platform.platform()}"


def command_line() -> str:
    exe = (
        os.path.relpath(sys.executable)
        if sys.executable.startswith(os.getcwd())
        else sys.executable
    )
    return shlex.join([exe, *sys.argv])


def header(sizes: Sizes, repeats: int) -> list[str]:
    from mxdna.io import fasta

    versions = ", ".join(
        f"{name} {metadata.version(name)}" for name in ("numpy", "biopython", "pyfaidx")
    )
    c_parser = "yes" if fasta._fastaparse is not None else "no (pure-Python fallback)"
    return [
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Python {platform.python_version()}; {versions}",
        f"- mxdna compiled FASTA parser used: {c_parser}",
        f"- Command: `{command_line()}`",
        f"- Files: short.fa = {sizes.short_records:,} x {SHORT_LENGTH} bp (one line each); "
        f"long.fa = {LONG_RECORDS} x {sizes.long_length:,} bp (60 columns); short.fa.gz = "
        "gzip level 1; long.fa.bgz = Bio.bgzf.",
        f"- Method: each cell is {repeats} run(s), each in a fresh process; runs are interleaved "
        "round-robin over all cells, the order rotated by one cell per repeat; throughput and "
        "ratios come from the median time. Peak RSS = VmHWM of the child process (max over "
        "runs); baseline = its VmRSS after imports.",
    ]


def report(results: dict[Job, list], sizes: Sizes, repeats: int) -> str:
    lines = [
        "## Reading DNA (issue: foundation)",
        "",
        *header(sizes, repeats),
        "",
        "### Streaming (time of the loop `n += 1; bases += len(seq)` only)",
        "",
        *stream_table(results),
        "",
        "### Random access (index built beforehand; time of the fetch loop only)",
        "",
        *access_table(results),
        "",
        *interpretation(results),
    ]
    return "\n".join(lines) + "\n"


# -- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_workdir = Path(__file__).resolve().parent / "_work"
    parser.add_argument("--workdir", type=Path, default=default_workdir)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10x smaller files (smoke test)")
    parser.add_argument("--out", type=Path, help="also write the Markdown section here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.child:
        print(json.dumps(run_child(Job(**json.loads(args.child)))))
        return
    scale = QUICK_FACTOR if args.quick else 1
    sizes = Sizes(
        SHORT_RECORDS // scale,
        LONG_LENGTH // scale,
        N_INTERVALS // scale,
        N_BGZIP_INTERVALS // scale,
    )
    workdir = args.workdir / "quick" if args.quick else args.workdir
    files = prepare_files(workdir, sizes)
    build_indexes([files["long.fa"], files["long.fa.bgz"]])
    warm_page_cache(files.values())
    check_access_agree(files)
    expected = {
        "short.fa": (sizes.short_records, sizes.short_records * SHORT_LENGTH),
        "long.fa": (LONG_RECORDS, LONG_RECORDS * sizes.long_length),
    }
    expected["short.fa.gz"] = expected["short.fa"]
    results = run_all(stream_jobs(files) + access_jobs(files, sizes), args.repeats, expected)
    check_access_counts(results)
    text = report(results, sizes, args.repeats)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
