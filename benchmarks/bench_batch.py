"""Batch analysis throughput: ``emgfeedback analyze`` on many two-minute recordings.

    .venv/bin/python benchmarks/bench_batch.py [--files 200] [--minutes 2] [--workers 2]

The recordings (8 channels, 2 kHz, the simulator's scenarios in turn, a different seed each) are
simulated once into a temporary folder. Then the same command runs three times as a fresh
process, without the cache (``--no-cache``) and writing one CSV table:

- baseline: ``--jobs 1`` (one process);
- ``--jobs N`` (N spawned worker processes);
- ``--scheduler`` on a local Dask distributed cluster of N worker processes (one thread each),
  started before the timing (its start-up time is printed apart), once with Dask's default worker
  environment (its nanny sets ``MALLOC_TRIM_THRESHOLD_=65536``, which makes glibc hand every
  large array back to the system: the analysis then spends about twice the CPU) and once with
  that variable unset (``no trim``, see docs/analysis.md).

Wall time includes starting the command; CPU time is that of the command and its workers (user +
system), so extra work done by parallel runs shows even when other programs share the cores.
Speed-up = baseline time / run time (target >= 1.7 with
2 workers on 2 cores). The three CSV tables must be identical. On a shared machine the figures
are noisy: say so when quoting them.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from emgfeedback.simulation import list_scenarios, simulate
from emgfeedback.storage import write_edf

_CLI = "import sys; from emgfeedback.cli import main; sys.exit(main(sys.argv[1:]))"


def make_study(folder: Path, n: int, minutes: float) -> list[str]:
    """Simulate ``n`` recordings of ``minutes`` each into ``folder``; returns their paths."""
    scenarios = [s for s in list_scenarios() if s != "glute-fatigue"]
    paths = []
    for i in range(n):
        rec = simulate(scenarios[i % len(scenarios)], duration_s=60.0 * minutes, seed=i)
        path = folder / f"sub-{i:03d}_emg.edf"
        write_edf(path, rec.data, rec.fs, rec.montage.labels)
        paths.append(str(path))
    return paths


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # waited-for descendants: the pool's workers too
    return ru.ru_utime + ru.ru_stime


def timed_analyze(paths: list[str], out_csv: Path, *options: str) -> tuple[float, float]:
    """Wall and CPU seconds of one ``emgfeedback analyze`` run and its worker processes (fails
    loudly if the command fails)."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CLI, "analyze", *paths, "--no-cache", "--csv", str(out_csv),
                           *options], capture_output=True, text=True)
    elapsed, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"analyze {' '.join(options)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return elapsed, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    import dask
    from distributed import Client, LocalCluster

    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        paths = make_study(folder, args.files, args.minutes)
        print(f"{args.files} recordings of {args.minutes:g} min (8 ch, 2 kHz) simulated in "
              f"{time.perf_counter() - t0:.1f} s")
        runs = [("--jobs 1 (baseline)", ["--jobs", "1"]), (f"--jobs {args.workers}", ["--jobs", str(args.workers)])]
        times = {}
        for i, (name, opts) in enumerate(runs):
            times[name] = timed_analyze(paths, folder / f"run{i}.csv", *opts)
        starts, env0 = [], dict(os.environ)
        for i, (name, trim) in enumerate(((f"Dask, {args.workers} workers", 65536),
                                          (f"Dask, {args.workers}, no trim", None)), start=2):
            # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers by default; None unsets it
            with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": trim}):
                t0 = time.perf_counter()
                with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
                    starts.append(time.perf_counter() - t0)
                    with Client(cluster) as client:
                        before = sum(client.run(time.process_time).values())
                        wall, cpu = timed_analyze(paths, folder / f"run{i}.csv", "--scheduler",
                                                  cluster.scheduler_address)
                        times[name] = (wall, cpu + sum(client.run(time.process_time).values()) - before)
            if "MALLOC_TRIM_THRESHOLD_" not in env0:  # the nanny sets it in this process too
                os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
        same = len({(folder / f"run{i}.csv").read_bytes() for i in range(4)}) == 1
    base = times["--jobs 1 (baseline)"][0]
    print(f"load average before/after: {load0:.2f} / {os.getloadavg()[0]:.2f} (2 cores: above ~0.5 others are running)")
    print(f"{'run':24s} {'wall s':>7s} {'files/s':>8s} {'speed-up':>9s} {'CPU s':>7s}")
    for name, (s, cpu) in times.items():
        print(f"{name:24s} {s:7.1f} {args.files / s:8.2f} {base / s:8.2f}x {cpu:7.1f}")
    print(f"Dask cluster start (not timed above): {max(starts):.1f} s; CSV tables identical: {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit("the CSV tables differ between runs")


if __name__ == "__main__":
    main()
