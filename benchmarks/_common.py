"""Shared helpers of the benchmarks: machine info, timing with peak memory, CSV and PNG."""

import csv
import os
import platform
import statistics
import time
import tracemalloc
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def limit_threads():
    """One BLAS thread: the machine is shared; call before importing numpy."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def machine_header(script):
    import numpy as np
    import sklearn
    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i['internal_api']} ({i['num_threads']} threads)"
                         for i in threadpool_info() if i.get("user_api") == "blas")
    except Exception:  # threadpoolctl missing: not worth failing a benchmark
        blas = "unknown"
    lines = [
        f"command (from the repository root): PYTHONPATH=. python benchmarks/{Path(script).name}",
        f"machine: {platform.platform()}, {os.cpu_count()} cores, BLAS {blas}",
        f"versions: python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}",
    ]
    print("\n".join(lines))
    return lines


def write_csv(name, rows):
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    with open(path, "w", newline="") as fh:
        fields = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path}")
    return path


def save_figure(fig, name):
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"wrote {path}")


def measure(function, repeats=3):
    """Median wall time of ``function()`` over repeats, and its peak memory.

    The timed runs are untraced; one more run under tracemalloc (which sees
    every numpy allocation, but slows Python-heavy code) gives the peak memory
    the call needed on top of what existed before.

    Returns
    -------
    result : the last timed call's return value
    seconds : float, median wall time
    peak_mib : float, peak traced memory (MiB)
    """
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, statistics.median(times), peak


def print_table(rows, columns):
    """Print rows (dicts) as an aligned text table."""
    widths = [max(len(c), *(len(_cell(r[c])) for r in rows)) for c in columns]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths)))
    for r in rows:
        print("  ".join(_cell(r[c]).rjust(w) for c, w in zip(columns, widths)))


def _cell(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
