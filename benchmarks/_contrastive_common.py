"""Shared helpers of the contrastive benchmarks: machine info, CSV and PNG output."""

import csv
import os
import platform
import sys
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
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path}")
    return path


def save_figure(fig, name):
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"wrote {path}")
