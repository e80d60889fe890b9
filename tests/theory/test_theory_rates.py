"""Tests of the slope fits and of the Rademacher complexity estimator."""

import numpy as np
import pytest

from mtmk.theory import empirical_rademacher, fit_loglog_slope, fit_slope, rademacher_curve


def _power_law(slope, reps, noise, seed):
    rng = np.random.default_rng(seed)
    n = np.repeat([100, 200, 400, 800, 1600, 3200], reps).astype(float)
    return n, 3.0 * n ** slope * np.exp(rng.normal(scale=noise, size=n.size))


def test_recovers_a_known_slope():
    n, y = _power_law(-0.7, reps=10, noise=0.1, seed=0)
    fit = fit_loglog_slope(n, y, n_boot=1000, random_state=0)
    assert abs(fit.slope + 0.7) < 0.05
    assert fit.contains(-0.7)
    assert not fit.contains(-1.0) and not fit.contains(-0.5)
    assert fit.ci_low < fit.slope < fit.ci_high
    assert fit.r2 > 0.99


def test_bootstrap_interval_has_roughly_nominal_coverage():
    hits = 0
    for seed in range(40):
        n, y = _power_law(-1.0, reps=5, noise=0.3, seed=100 + seed)
        hits += fit_loglog_slope(n, y, n_boot=300, random_state=seed).contains(-1.0)
    # Nominal 95%; the percentile bootstrap is a little liberal with 5 reps.
    assert 30 <= hits <= 40


def test_slope_is_deterministic_given_random_state():
    n, y = _power_law(-0.5, reps=4, noise=0.2, seed=1)
    a = fit_slope(np.log(n), np.log(y), n_boot=200, random_state=3)
    b = fit_slope(np.log(n), np.log(y), n_boot=200, random_state=3)
    assert a == b


@pytest.mark.parametrize("x,y,match", [
    ([1.0, 1.0, 1.0], [1.0, 2.0, 3.0], "two distinct"),
    ([1.0, 2.0], [1.0], "different lengths"),
    ([1.0, 2.0], [np.nan, 1.0], "finite"),
])
def test_slope_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        fit_slope(x, y)


def test_loglog_needs_positive_values():
    with pytest.raises(ValueError, match="positive"):
        fit_loglog_slope([1.0, 2.0], [0.0, 1.0])


def test_rademacher_identity_kernel_is_exact():
    n = 50
    K = np.eye(n)[None]
    mean, se = empirical_rademacher(K, "l1", n_draws=20, random_state=0)
    assert np.isclose(mean, 1.0 / np.sqrt(n)) and se < 1e-12


def test_rademacher_l1_below_lq_and_equal_for_one_kernel():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 40, 3))
    K = np.einsum("mir,mjr->mij", A, A)
    l1, _ = empirical_rademacher(K, "l1", n_draws=200, random_state=1)
    l2, _ = empirical_rademacher(K, "lq", q=2.0, n_draws=200, random_state=1)
    assert l1 < l2
    one_l1, _ = empirical_rademacher(K[:1], "l1", n_draws=200, random_state=1)
    one_l2, _ = empirical_rademacher(K[:1], "lq", n_draws=200, random_state=1)
    assert np.isclose(one_l1, one_l2)


def test_rademacher_growth_laws():
    rows, fits = rademacher_curve([2, 4, 8, 16, 32, 64], n=60, family="linear", n_draws=200,
                                  random_state=0)
    l1 = [r["complexity"] for r in rows if r["constraint"] == "l1"]
    lq = [r["complexity"] for r in rows if r["constraint"] == "lq"]
    assert np.all(np.diff(l1) > 0) and np.all(np.diff(lq) > 0)
    assert fits["l1_vs_sqrt_log_M"]["r2"] >= 0.95
    assert fits["lq_vs_M_quarter"]["r2"] >= 0.95
    # L2 grows polynomially, L1 only logarithmically: the gap widens with M.
    assert lq[-1] / l1[-1] > lq[0] / l1[0]


@pytest.mark.parametrize("kwargs,match", [
    (dict(grams=np.zeros((0, 3, 3))), "n_kernels >= 1"),
    (dict(grams=np.zeros((1, 3, 4))), "shape"),
    (dict(grams=np.eye(3)[None], constraint="l3"), "constraint"),
    (dict(grams=np.eye(3)[None], constraint="lq", q=1.0), "'q' parameter"),
])
def test_rademacher_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        empirical_rademacher(**kwargs)
    with pytest.raises(ValueError, match="two distinct"):
        rademacher_curve([8, 8])


def _row(**kw):
    base = dict(experiment="rate_n", method="mtmk_l1", family="polynomial", design="gaussian",
                n_features=10, n_kernels=16, n_tasks=3, c_group=0.5, status="ok", cell_id="x",
                n=100, fit_time=0.1, support_exact=1.0, support_top=1.0, n_selected=2.0, auc=0.8)
    base.update(kw)
    return base


def test_summary_recovers_slopes_from_synthetic_rows():
    from mtmk.theory import summarize
    rng = np.random.default_rng(0)
    rows = []
    for n in (50, 100, 200, 400, 800, 1600):
        for rep in range(6):
            e = 5.0 / n * np.exp(rng.normal(scale=0.1))
            rows.append(_row(n=n, cell_id=f"{n}-{rep}", estimation_error=e,
                             excess_logistic=e / 10, excess_zero_one=e / 20))
    for M in (4, 16, 64):
        for rep in range(6):
            e = 0.2 + 0.05 * np.log(M) + rng.normal(scale=0.01)
            rows.append(_row(experiment="kernels_M", n=400, n_kernels=M, cell_id=f"M{M}-{rep}",
                             estimation_error=e, excess_logistic=e, excess_zero_one=e))
    summary = summarize(rows, n_boot=300)
    rate = [e for e in summary["n_rates"] if e["metric"] == "estimation_error"][0]
    assert abs(rate["slope"] + 1) < 0.05 and rate["ci_contains_predicted"]
    assert rate["upper_half"]["n_min"] == 400 and rate["upper_half"]["ci_contains_predicted"]
    kernels = summary["kernel_count"][0]
    assert abs(kernels["slope"] - 0.05) < 0.01 and kernels["ci_above_zero"]
    assert summary["checks"]["n_slope_finite_rank_ci_contains_predicted"]
    assert summary["checks"]["error_grows_with_M"]
    # A flat error in M must fail the check.
    flat = [dict(r, estimation_error=0.3 + 0.01 * rng.normal()) if r["experiment"] == "kernels_M"
            else r for r in rows]
    assert not summarize(flat, n_boot=300)["checks"]["error_grows_with_M"]


def test_task_exponent_and_slope_difference_have_intervals():
    from mtmk.theory import summarize
    rng = np.random.default_rng(1)
    rows = []
    for T in (1, 2, 4, 8):
        for M in (4, 16, 64):
            for rep in range(8):
                for method, scale in (("mtmk_l1", 0.2), ("mtmk_l2", 0.6)):
                    e = 0.1 + scale / T * np.log(M) + rng.normal(scale=0.005)
                    rows.append(_row(experiment="kernels_M", method=method, n=400, n_kernels=M,
                                     n_tasks=T, rep=rep, cell_id=f"{T}-{M}-{rep}",
                                     estimation_error=e, excess_logistic=e,
                                     excess_zero_one=e))
    summary = summarize(rows, n_boot=400)
    effect = {e["method"]: e for e in summary["task_effect"]}["mtmk_l1"]
    # slope proportional to 1/T: exponent -1, inside its interval
    assert abs(effect["loglog_slope"] + 1) < 0.05
    assert effect["ci_low"] < -1 < effect["ci_high"] and effect["ci_contains_predicted"]
    assert effect["positive_draws"] == 1.0
    diffs = {d["n_tasks"]: d for d in summary["kernel_slope_differences"]}
    assert set(diffs) == {1, 2, 4, 8}
    assert diffs[1]["ci_low"] > 0 and diffs[1]["verdict"] == "mtmk_l2 grows faster"
    assert abs(diffs[1]["slope_difference"] - 0.4) < 0.02
