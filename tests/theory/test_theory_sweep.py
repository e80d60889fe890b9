"""Tests of the simulation sweep: all methods, determinism, resuming, dask, CLI."""

import json
import os

import numpy as np
import pytest

import mtmk.theory._cli as cli
import mtmk.theory._sweep as sweep
from mtmk.theory import load_results, simulate
from mtmk.theory._grid import METHODS

TINY = dict(n=[60, 90], n_features=4, n_kernels=5, n_tasks=2, methods=[("mtmk_l1", "mtmk_l2")])
METRICS = ("estimation_error", "excess_logistic", "excess_zero_one", "bayes_zero_one",
           "support_exact", "support_top", "n_selected", "auc")


def _strip(rows):
    """Rows without what legitimately differs between runs (wall-clock time), sorted."""
    rows = sorted(rows, key=lambda r: (r["cell_id"], r["method"]))
    return [{k: v for k, v in r.items() if k != "fit_time"} for r in rows]


def _assert_same_rows(a, b):
    assert len(a) == len(b)
    for ra, rb in zip(_strip(a), _strip(b)):
        assert ra.keys() == rb.keys()
        for key in ra:
            if isinstance(ra[key], float):
                np.testing.assert_allclose(ra[key], rb[key], rtol=1e-9, atol=1e-12,
                                           err_msg=key)
            else:
                assert ra[key] == rb[key], key


def test_every_method_runs_and_records_its_configuration(tmp_path):
    grid = dict(n=80, n_features=4, n_kernels=6, n_tasks=2, c_group=1.0,
                methods=[METHODS])
    rows = simulate(grid, n_reps=1, n_test=300, results_path=str(tmp_path / "r.csv"),
                    progress=False, random_state=3)
    assert [r["method"] for r in rows] == sorted(METHODS)
    for r in rows:
        assert r["status"] == "ok"
        assert r["n"] == 80 and r["n_kernels"] == 6 and r["random_state"] == 3
        assert json.loads(r["config"])["n_tasks"] == 2
        assert r["estimation_error"] > 0 and r["excess_logistic"] > 0
        assert 0 <= r["excess_zero_one"] <= 1 and 0 < r["bayes_zero_one"] < 0.5
        assert 0 <= r["auc"] <= 1
    by = {r["method"]: r for r in rows}
    # The L2 variant never sets a kernel weight to exactly 0.
    assert by["mtmk_l2"]["n_selected"] == 6 and by["mtmk_l2"]["support_exact"] == 0
    assert by["best_single"]["n_selected"] == 1 and np.isnan(by["best_single"]["support_exact"])
    # The rows on disk are the rows returned.
    _assert_same_rows(load_results(str(tmp_path / "r.csv")), rows)


def test_rows_depend_only_on_seed_not_on_jobs():
    a = simulate(TINY, n_reps=2, n_test=200, progress=False, random_state=0)
    b = simulate(TINY, n_reps=2, n_test=200, progress=False, random_state=0, n_jobs=2,
                 backend="threading")
    c = simulate(TINY, n_reps=2, n_test=200, progress=False, random_state=1)
    _assert_same_rows(a, b)
    assert a[0]["estimation_error"] != c[0]["estimation_error"]
    # Paired design: the replications of different n share the model seed.
    seeds = {(r["n"], r["rep"]): r["model_seed"] for r in a}
    assert seeds[(60, 0)] == seeds[(90, 0)] != seeds[(60, 1)]


def test_interrupted_sweep_resumes(tmp_path, monkeypatch):
    path = str(tmp_path / "results.csv")
    reference = simulate(TINY, n_reps=2, n_test=200, progress=False)

    calls = []
    original = sweep.run_cell

    def failing(config, rep, *args, **kwargs):
        calls.append((config["n"], rep))
        if len(calls) == 3:
            raise KeyboardInterrupt("simulated interruption")
        return original(config, rep, *args, **kwargs)

    monkeypatch.setattr(sweep, "run_cell", failing)
    with pytest.raises(KeyboardInterrupt):
        simulate(TINY, n_reps=2, n_test=200, results_path=path, progress=False)
    assert len(load_results(path)) == 2 * 2  # two finished cells, two methods each
    # A half-written cell (one of its two rows) is dropped on resume.
    with open(path) as fh:
        lines = fh.read().splitlines()
    with open(path, "a") as fh:
        fh.write(lines[1].replace(lines[1].split(",")[0], "deadbeef") + "\n")

    calls.clear()
    monkeypatch.setattr(sweep, "run_cell",
                        lambda *a, **k: (calls.append(a[:2]), original(*a, **k))[1])
    resumed = simulate(TINY, n_reps=2, n_test=200, results_path=path, progress=False)
    assert len(calls) == 2  # only the two missing cells ran
    _assert_same_rows(resumed, reference)
    calls.clear()
    again = simulate(TINY, n_reps=2, n_test=200, results_path=path, progress=False)
    assert calls == []
    _assert_same_rows(again, reference)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_local_results():
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config
    from threadpoolctl import threadpool_limits

    # dask workers run one BLAS thread; so does the local reference, so that
    # both do the same floating-point operations.
    with threadpool_limits(limits=1, user_api="blas"):
        local = simulate(TINY, n_reps=2, n_test=200, progress=False, random_state=5)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        with parallel_config(backend="dask"):
            remote = simulate(TINY, n_reps=2, n_test=200, progress=False, random_state=5,
                              n_jobs=-1)
        # The cells really ran on the cluster's worker processes.
        assert len(client.scheduler_info()["workers"]) == 2
    _assert_same_rows(remote, local)


@pytest.mark.parametrize("grid,match", [
    ([], "empty"),
    (dict(n=[]), "empty"),
    (dict(n_active=5, n_kernels=4), "More active kernels"),
    (dict(n=20, methods=["best_single"]), "too small"),
    (dict(n=12), "too small"),
    (dict(methods=["svm"]), "Unknown methods"),
    (dict(colour=["red"]), "Unknown grid keys"),
    (dict(n=[100.5]), "positive integer"),
])
def test_bad_grids(grid, match):
    with pytest.raises(ValueError, match=match):
        simulate(grid, progress=False)


def test_bad_sweep_arguments():
    with pytest.raises(ValueError, match="n_reps"):
        simulate(TINY, n_reps=0, progress=False)
    with pytest.raises(ValueError, match="random_state"):
        simulate(TINY, random_state=np.random.RandomState(0), progress=False)


def test_cli_writes_results_summary_and_plots(tmp_path, monkeypatch):
    def tiny():
        return dict(grid=[dict(TINY, experiment="rate_n", n=[60, 120], methods=[("mtmk_l1",)]),
                          dict(TINY, experiment="kernels_M", n=60, n_kernels=[3, 6],
                               methods=[("mtmk_l1",)]),
                          dict(TINY, experiment="support", n=60)],
                    n_reps=2, n_test=200,
                    rademacher=dict(kernel_counts=[2, 4, 8], n=40, n_draws=50))

    monkeypatch.setitem(cli.PRESETS, "tiny", tiny)
    out = str(tmp_path / "out")
    assert cli.main(["simulate", "--preset", "tiny", "--out", out, "--n-jobs", "1",
                     "--no-progress", "--n-boot", "200"]) == 0
    summary = json.load(open(os.path.join(out, "summary.json")))
    rate = [e for e in summary["n_rates"] if e["metric"] == "estimation_error"][0]
    assert rate["predicted_slope"] == -1.0 and rate["ci_low"] <= rate["slope"] <= rate["ci_high"]
    assert summary["kernel_count"][0]["axis"] == "log n_kernels"
    assert {"mtmk_l1_support_exact", "mtmk_l2_support_exact"} <= set(summary["support_comparison"])
    assert set(summary["checks"]) >= {"n_slope_finite_rank_ci_contains_predicted",
                                      "error_grows_with_M",
                                      "rademacher_l1_linear_in_sqrt_log_M_r2_ge_0.95"}
    assert summary["runtime_seconds"] > 0 and summary["preset"] == "tiny"
    assert "| mtmk_l1 | polynomial |" in open(os.path.join(out, "summary.md")).read()
    for name in summary["figures"]:
        with open(os.path.join(out, name), "rb") as fh:
            assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    assert len(summary["figures"]) == 5
    n_rows = len(load_results(os.path.join(out, "results.csv")))
    # rate_n: 2 n x 2 reps x 1 method; kernels_M: 2 M x 2 x 1; support: 1 n x 2 x 2 methods
    assert n_rows == 4 + 4 + 4
    # A rerun reads the finished cells back instead of recomputing them.
    assert cli.main(["simulate", "--preset", "tiny", "--out", out, "--n-jobs", "1",
                     "--no-progress", "--no-plots", "--n-boot", "200"]) == 0
    assert len(load_results(os.path.join(out, "results.csv"))) == n_rows


def test_cli_rejects_unknown_preset(tmp_path):
    with pytest.raises(SystemExit):
        cli.main(["simulate", "--preset", "huge", "--out", str(tmp_path)])


def test_failed_fit_is_recorded_and_retried_on_rerun(tmp_path, monkeypatch):
    path = str(tmp_path / "results.csv")
    original = sweep._fit_method

    def broken(method, *args):
        if method == "mtmk_l2":
            raise ValueError("simulated solver failure")
        return original(method, *args)

    monkeypatch.setattr(sweep, "_fit_method", broken)
    grid = dict(TINY, n=60)
    rows = simulate(grid, n_reps=1, n_test=200, results_path=path, progress=False)
    status = {r["method"]: r["status"] for r in rows}
    assert status["mtmk_l1"] == "ok" and "simulated solver failure" in status["mtmk_l2"]
    assert np.isnan([r for r in rows if r["method"] == "mtmk_l2"][0]["estimation_error"])
    monkeypatch.setattr(sweep, "_fit_method", original)
    rows = simulate(grid, n_reps=1, n_test=200, results_path=path, progress=False)
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert len(load_results(path)) == 2


def test_best_single_with_a_small_validation_split():
    # 50 samples: the 35-sample training split is smaller than the 50 landmarks.
    rows = simulate(dict(TINY, n=50, methods=["best_single"]), n_reps=1, n_test=200,
                    progress=False)
    assert rows[0]["status"] == "ok" and rows[0]["estimation_error"] > 0


def test_validation_tuning_gives_each_method_its_own_penalty():
    grid = dict(TINY, n=80, tuning="validation",
                methods=[("mtmk_l1", "mtmk_l2", "mtmk_mix", "stmkl")])
    rows = simulate(grid, n_reps=1, n_test=200, progress=False, random_state=0)
    by = {r["method"]: r for r in rows}
    assert all(r["status"] == "ok" for r in rows)
    for method, r in by.items():
        scheduled = sweep.regularisation(method, 80, 5, 0.5)
        if method == "stmkl":  # per-task choices, averaged
            continue
        ratios = {lam / ref for lam, ref in zip((r["lam_group"], r["lam_ridge"]), scheduled)
                  if ref > 0}
        assert len(ratios) == 1
        ratio = ratios.pop()
        assert any(np.isclose(ratio, f) for f in sweep.TUNING_FACTORS), (method, ratio)
        assert r["grid_edge"] in (0.0, 1.0)
    assert by["mtmk_l2"]["lam_group"] == 0 and by["mtmk_l2"]["lam_ridge"] > 0
    # Same training and test data as the fixed schedule (seeds ignore tuning).
    fixed = simulate(dict(grid, tuning="schedule"), n_reps=1, n_test=200, progress=False,
                     random_state=0)
    assert {r["bayes_zero_one"] for r in fixed} == {r["bayes_zero_one"] for r in rows}
    assert all(np.isnan(r["grid_edge"]) for r in fixed)


def test_validation_tuning_rejects_best_single_and_unknown_modes():
    with pytest.raises(ValueError, match="best_single"):
        simulate(dict(TINY, tuning="validation", methods=["best_single"]), progress=False)
    with pytest.raises(ValueError, match="tuning"):
        simulate(dict(TINY, tuning="oracle"), progress=False)


def test_support_comparison_only_among_selecting_methods():
    from mtmk.theory import summarize
    grid = dict(TINY, experiment="support", n=80,
                methods=[("mtmk_l1", "mtmk_l2", "mtmk_mix", "stmkl")])
    rows = simulate(grid, n_reps=3, n_test=200, progress=False)
    comp = summarize(rows, n_boot=100)["support_comparison"]
    compared = {d["comparison"] for d in comp["paired"]}
    assert compared == {"mtmk_l1 - mtmk_mix", "mtmk_l1 - stmkl"}
    assert all(d["n"] == 3 for d in comp["paired"])
    checks = summarize(rows, n_boot=100)["checks"]
    assert not any("l2" in name for name in checks)
