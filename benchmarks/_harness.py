"""What every benchmark needs, done once: options, header, timing, memory, CSV, isolation.

* :func:`argument_parser`: the options every script shares (``--out DIR``, and
  ``--resume`` where a script can continue an interrupted run).
* :func:`machine_header`: the command, machine, BLAS and its threads, library
  versions and load average, printed and returned as lines for the results.
* :func:`timer` (wall clock of a block) and :func:`measure` (median wall time
  of a call and its peak memory).
* Peak memory comes in two kinds.  :func:`measure` reports the peak of the
  memory traced by ``tracemalloc`` during one extra call: what the call
  allocated through Python's allocator (numpy arrays included) above what
  existed before, not memory allocated by C libraries on their own (libsvm,
  torch).  :func:`peak_rss_mib` reports a process's peak resident set size
  (``VmHWM`` of ``/proc/self/status``, Linux): everything the process touched,
  data and imports included.  Scripts read it at the end of a child process
  run by :func:`run_isolated`, so that one fit is all the process did
  (``ru_maxrss`` of the child would not do: Linux carries the peak of the
  image that ``exec`` replaced, here the parent's, into it).
* :class:`ResultsCsv`: a results CSV written row by row, which can resume a
  run from the rows already in the file (keyed by the configuration columns);
  :func:`write_csv` and :func:`read_csv` for whole tables.
* :func:`run_isolated`: one measurement in a fresh interpreter with a time
  limit, returning the JSON record the child printed with :func:`emit`.

This module imports only the standard library at its top, so that importing
it (the package does) happens before numpy reads the thread settings.
"""

import argparse
import csv
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

#: Where the committed results live; ``--out`` chooses another directory.
RESULTS = Path(__file__).resolve().parent / "results"
#: The repository root: child processes run from it.
REPOSITORY = RESULTS.parents[1]
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def limit_threads():
    """One BLAS and OpenMP thread unless already set: the machine is shared."""
    for var in _THREAD_VARIABLES:
        os.environ.setdefault(var, "1")


# ------------------------------------------------------------------ options
def argument_parser(module, doc, resume=False):
    """Argument parser of the benchmark ``module``: its docstring as help, the shared options.

    ``--out DIR`` is the directory the script writes to (and reads earlier
    results from); ``resume=True`` adds ``--resume``, which keeps the rows
    already in the script's results CSV and runs only the missing
    configurations (run it with the same options as the interrupted run).
    """
    out = argparse.ArgumentParser(prog=f"python -m {module}", description=doc,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    out.add_argument("--out", type=Path, default=RESULTS, metavar="DIR",
                     help="directory of the results (default: benchmarks/results)")
    if resume:
        out.add_argument("--resume", action="store_true",
                         help="keep the rows already in the results CSV and run only the "
                              "missing configurations")
    return out


# ------------------------------------------------------------------- header
def command(module, argv=None):
    """The command that runs ``module`` with ``argv`` (default: this process's arguments)."""
    argv = sys.argv[1:] if argv is None else argv
    return " ".join(["python -m", module, *map(shlex.quote, argv)])


def load_average():
    """The 1, 5 and 15 minute load averages, as ``uptime`` prints them."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine_header(module, argv=None):
    """Print and return the lines that say how, where and with what a benchmark ran."""
    import numpy as np
    import scipy
    import sklearn

    import mtmk

    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i['internal_api']} ({i['num_threads']} threads)"
                         for i in threadpool_info() if i.get("user_api") == "blas")
    except ImportError:  # threadpoolctl comes with scikit-learn; not worth failing over
        blas = "unknown"
    threads = ", ".join(f"{var}={os.environ.get(var, 'unset')}" for var in _THREAD_VARIABLES)
    lines = [
        f"command (from the repository root): {command(module, argv)}",
        f"machine: {platform.platform()}, {os.cpu_count()} cores, BLAS {blas}; {threads}",
        f"versions: python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"mtmk {mtmk.__version__}",
        f"load average (1, 5, 15 min) at the start: {load_average()}",
    ]
    print("\n".join(lines), flush=True)
    return lines


# ------------------------------------------------------------ time, memory
class Stopwatch:
    """The wall time of a :func:`timer` block, in ``seconds`` once the block ends."""

    seconds = float("nan")


@contextmanager
def timer():
    """Wall-clock time of a block: ``with timer() as t: ...`` then ``t.seconds``."""
    watch = Stopwatch()
    start = time.perf_counter()
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - start


def measure(function, repeats=3):
    """Median wall time of ``function()`` over repeats, and its peak traced memory.

    The timed runs are untraced; one more run under tracemalloc (which sees
    numpy's allocations, but slows Python-heavy code) gives the peak memory
    the call needed on top of what existed before.

    Returns
    -------
    result : the last timed call's return value
    seconds : float, median wall time
    peak_mib : float, peak traced memory (MiB)
    """
    times, result = [], None
    for _ in range(repeats):
        with timer() as watch:
            result = function()
        times.append(watch.seconds)
    tracemalloc.start()
    try:
        function()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return result, statistics.median(times), peak


def peak_rss_mib():
    """This process's peak resident set size in MiB (``VmHWM``; not inherited across exec)."""
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024


# ---------------------------------------------------------------------- CSV
def _parse(text):
    """A CSV cell back to the int, float or bool it was written from, else the text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"True": True, "False": False}.get(text, text)


def read_csv(path):
    """Rows (dicts) of a CSV file, numbers and booleans parsed."""
    with open(path, newline="") as fh:
        return [{k: _parse(v) for k, v in row.items()} for row in csv.DictReader(fh)]


class ResultsCsv:
    """A results CSV written as rows come, whole after every row.

    Parameters
    ----------
    path : path of the CSV file; its directory is created.
    key : names of the columns that identify a configuration.
    resume : keep the rows already in the file (numbers parsed); :meth:`done`
        then tells which configurations they cover.  Otherwise the file is
        replaced when the first row arrives (an old file survives a run that
        measured nothing).

    Every write replaces the file at once (written beside it, then renamed),
    so an interrupted run leaves the rows measured so far, never half a row.
    Rows may have different columns: the header is their union, in order of
    appearance.
    """

    def __init__(self, path, key=(), resume=False):
        self.path, self.key = Path(path), tuple(key)
        self.rows = read_csv(self.path) if resume and self.path.is_file() else []
        if self.rows:
            print(f"resuming: {len(self.rows)} rows already in {self.path}")

    def _config(self, row):
        return tuple(str(row[k]) for k in self.key)

    def done(self, row):
        """Whether a row with the configuration of ``row`` (its key columns) is stored."""
        return self._config(row) in {self._config(r) for r in self.rows}

    def add(self, row):
        """Store one row and rewrite the file."""
        self.extend([row])

    def extend(self, rows):
        """Store rows and rewrite the file."""
        self.rows.extend(rows)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fields = list(dict.fromkeys(k for row in self.rows for k in row))
        partial = self.path.with_name(self.path.name + ".partial")
        with open(partial, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(self.rows)
        os.replace(partial, self.path)


def write_csv(path, rows):
    """Write rows (dicts) as one CSV file, replacing it; returns the path."""
    ResultsCsv(path).extend(rows)
    print(f"wrote {path}")
    return Path(path)


# ----------------------------------------------------------- text, figures
def print_table(rows, columns):
    """Print rows (dicts) as an aligned text table (missing cells empty)."""
    widths = [max(len(c), *(len(_cell(r.get(c, ""))) for r in rows)) for c in columns]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths)))
    for r in rows:
        print("  ".join(_cell(r.get(c, "")).rjust(w) for c, w in zip(columns, widths)))
    sys.stdout.flush()


def _cell(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def pyplot():
    """matplotlib's pyplot on the Agg backend (figures go to files only)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path):
    """Save a figure as a PNG file."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"wrote {path}")


def write_text(path, text):
    """Write a text (Markdown) result file."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text)
    print(f"wrote {path}")


# ---------------------------------------------------------------- isolation
def emit(record):
    """Child side of :func:`run_isolated`: print the record as the last line (JSON)."""
    print(json.dumps(record), flush=True)


def run_isolated(module, *args, timeout=None, engine=None):
    """Run ``python -m module args`` in a fresh interpreter; return its JSON record.

    The child inherits the environment (one BLAS thread) and runs from the
    repository root, so it imports this checkout's ``mtmk``.  ``engine``, a
    directory holding another ``mtmk`` package (a checkout of an earlier
    version), makes the child import that one instead: it runs from a scratch
    directory where ``mtmk`` links to the engine's package, with this
    repository on its PYTHONPATH for the benchmarks.

    Returns
    -------
    record : dict, the last line the child printed (see :func:`emit`), or
        ``{"timed_out": True, "timeout": timeout}`` when the child ran longer
        than ``timeout`` seconds (it is then killed).

    Raises
    ------
    RuntimeError
        When the child exits with an error; the message ends with its stderr.
    """
    run = [sys.executable, "-m", module, *map(str, args)]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as scratch:
        cwd = REPOSITORY
        if engine is not None:
            package = Path(engine).resolve() / "mtmk"
            if not (package / "__init__.py").is_file():
                raise ValueError(f"{engine} holds no mtmk package (no mtmk/__init__.py): "
                                 "give the root of an mtmk checkout")
            os.symlink(package, Path(scratch) / "mtmk")
            cwd = scratch
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(REPOSITORY), os.environ.get("PYTHONPATH")) if p)
        try:
            done = subprocess.run(run, cwd=cwd, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"timed_out": True, "timeout": timeout}
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(run[1:])} failed (exit {done.returncode}):\n"
                           f"{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"{' '.join(run[1:])} printed no record")
    return json.loads(lines[-1])
