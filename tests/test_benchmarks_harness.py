"""The benchmarks' harness: CSV resume, child processes, and scripts that run as modules."""

import importlib
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from benchmarks import _harness as harness

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py")
                 if not p.stem.startswith("_"))


# ----------------------------------------------------------------------- CSV
def test_results_csv_resume_skips_stored_configurations_and_appends(tmp_path):
    path = tmp_path / "out" / "rows.csv"
    first = harness.ResultsCsv(path, key=("set", "split"))
    first.add({"set": "a", "split": 0, "score": 0.5, "converged": True})
    first.add({"set": "a", "split": 1, "score": 0.25, "converged": False})

    resumed = harness.ResultsCsv(path, key=("set", "split"), resume=True)
    assert resumed.done({"set": "a", "split": 0, "score": "anything"})
    assert resumed.done({"set": "a", "split": 1})
    assert not resumed.done({"set": "a", "split": 2})
    assert not resumed.done({"set": "b", "split": 0})
    resumed.add({"set": "b", "split": 0, "score": 0.75, "converged": True, "note": "new"})

    rows = harness.read_csv(path)
    assert [(r["set"], r["split"]) for r in rows] == [("a", 0), ("a", 1), ("b", 0)]
    assert rows[1]["score"] == 0.25 and rows[1]["converged"] is False
    assert rows[2]["note"] == "new" and rows[0]["note"] == ""
    assert not list(path.parent.glob("*.partial"))


def test_results_csv_without_resume_replaces_the_file(tmp_path):
    path = tmp_path / "rows.csv"
    harness.write_csv(path, [{"k": 1, "v": "old"}, {"k": 2, "v": "old"}])
    fresh = harness.ResultsCsv(path, key=("k",))
    assert not fresh.done({"k": 1})
    assert harness.read_csv(path)[0]["v"] == "old"  # nothing measured yet: file kept
    fresh.add({"k": 1, "v": "new"})
    assert harness.read_csv(path) == [{"k": 1, "v": "new"}]


# ----------------------------------------------------------------- isolation
CHILD = """
import json, sys, time
print("output before the record")
if sys.argv[1] == "sleep":
    time.sleep(60)
if sys.argv[1] == "fail":
    raise SystemExit("the child's own error message")
import benchmarks, mtmk
print(json.dumps({"args": sys.argv[1:], "mtmk": mtmk.__file__,
                  "engine": getattr(mtmk, "ENGINE", "this checkout"),
                  "benchmarks": benchmarks.__file__}))
"""


@pytest.fixture
def child_module(tmp_path, monkeypatch):
    """A module ``harness_child`` importable by child processes (on PYTHONPATH)."""
    (tmp_path / "harness_child.py").write_text(textwrap.dedent(CHILD))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return "harness_child"


def test_run_isolated_returns_the_childs_last_json_line(child_module):
    record = harness.run_isolated(child_module, "fit", 3, timeout=60)
    assert record["args"] == ["fit", "3"]
    assert Path(record["mtmk"]).resolve().parent == ROOT / "mtmk"
    assert record["engine"] == "this checkout"
    assert Path(record["benchmarks"]).resolve().parent == ROOT / "benchmarks"


def test_run_isolated_reports_a_timeout(child_module):
    start = time.perf_counter()
    record = harness.run_isolated(child_module, "sleep", timeout=1.0)
    assert record == {"timed_out": True, "timeout": 1.0}
    assert time.perf_counter() - start < 30


def test_run_isolated_raises_with_the_childs_error(child_module):
    with pytest.raises(RuntimeError, match="the child's own error message"):
        harness.run_isolated(child_module, "fail", timeout=60)


def test_run_isolated_imports_mtmk_from_the_given_engine(child_module, tmp_path):
    engine = tmp_path / "earlier_checkout"
    (engine / "mtmk").mkdir(parents=True)
    (engine / "mtmk" / "__init__.py").write_text('ENGINE = "earlier"\n')
    (engine / "benchmarks").mkdir()  # an earlier checkout's scripts, not a package
    record = harness.run_isolated(child_module, "fit", timeout=60, engine=engine)
    assert record["engine"] == "earlier"
    assert Path(record["benchmarks"]).resolve().parent == ROOT / "benchmarks"
    with pytest.raises(ValueError, match="no mtmk package"):
        harness.run_isolated(child_module, "fit", engine=tmp_path / "missing")


# --------------------------------------------------------- timing, header
def test_timer_and_header():
    with harness.timer() as watch:
        time.sleep(0.02)
    assert 0.02 <= watch.seconds < 5
    lines = harness.machine_header("benchmarks.bench_x", ["--quick", "--sets", "a b"])
    assert lines[0].endswith("python -m benchmarks.bench_x --quick --sets 'a b'")
    assert any(line.startswith("load average") for line in lines)


# ------------------------------------------------------------------ scripts
@pytest.mark.parametrize("name", SCRIPTS)
def test_script_imports_as_a_module_and_uses_the_harness(name, monkeypatch):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, "1")  # restored after the test, whatever the import sets
    module = importlib.import_module(f"benchmarks.{name}")
    assert callable(module.main)
    text = (ROOT / "benchmarks" / f"{name}.py").read_text()
    for own in ("sys.path", "perf_counter", "import csv", "import subprocess", "PYTHONPATH",
                "/tmp/", "_common import"):
        assert own not in text, f"benchmarks/{name}.py: {own!r} (the harness does this)"


def test_script_help_runs_from_the_repository_root():
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_digits", "--help"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout and "--out DIR" in done.stdout


def test_large_fit_child_times_the_solver_it_patches():
    # the child wraps the row solver the fit function calls; a rename must fail here,
    # not an hour into `bench_scale --large`
    record = harness.run_isolated("benchmarks.bench_scale", "--one-large", "simulated",
                                  1500, 20, "float32", timeout=300)
    assert record["n"] == 1500 and record["sweeps"] > 0
    assert 0 < record["solver_seconds"] <= record["fit_seconds"]
    assert record["factor_gib"] > 0
