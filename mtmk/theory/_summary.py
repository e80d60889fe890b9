"""Summaries of sweep results: fitted rates next to the rates theory predicts.

Experiments are recognised by the prefix of their ``experiment`` label:

- ``rate_n...``: error against n on log-log axes, one slope per method and
  design, compared with :func:`~mtmk.theory.predicted_n_slope`;
- ``kernels_M...``: error against log M at fixed n (predicted: a positive
  slope proportional to ``s / (n T)``), the L2 minus L1 slope difference, and,
  when several T are present, the 1/T effect (log of the log-M slope against
  log T, predicted -1), with percentile intervals from resampling the
  replications;
- ``covariates_p...``: error against log p (one kernel per covariate);
- ``support...``: support recovery against n, and paired differences (over
  cells) of exact recovery between MTMK-L1 and the other methods that can
  select kernels (the L2 variant keeps
  every kernel, so it is reported but never compared).

The MTMK rate these predictions come from is a reconstruction: the theorem
text of the MTMK paper was not available.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_scalar

from ..stats import paired_difference
from ._data import check_seed, predicted_n_slope
from ._grid import SELECTING
from ._rates import fit_loglog_slope, fit_slope

#: Error metrics whose n-slopes are fitted.  The excess logistic risk behaves
#: like the squared logit error (a local quadratic), so shares its
#: prediction; the excess 0/1 risk depends on the margin: no prediction.
ERROR_METRICS = ("estimation_error", "excess_logistic", "excess_zero_one")
_PREDICTED = {"estimation_error": True, "excess_logistic": True, "excess_zero_one": False}


def group_rows(rows, keys):
    """Group rows (dicts) by the values of ``keys``; returns {tuple: [rows]}."""
    groups = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in keys), []).append(r)
    return dict(sorted(groups.items(), key=lambda kv: tuple(str(v) for v in kv[0])))


def _ok(rows):
    return [r for r in rows if r.get("status") == "ok"
            and np.isfinite(r.get("estimation_error", np.nan))]


def _n_slopes(rows, n_boot, random_state):
    out = []
    keys = ("experiment", "method", "family", "design", "n_features", "n_kernels",
            "n_tasks", "c_group")
    for key, group in group_rows(rows, keys).items():
        ns = np.array([r["n"] for r in group], dtype=float)
        if np.unique(ns).size < 2:
            continue
        for metric in ERROR_METRICS:
            values = np.array([r[metric] for r in group], dtype=float)
            entry = dict(zip(keys, key), metric=metric, n_grid=sorted(set(ns.astype(int).tolist())),
                         n_replications=int(len(group) / np.unique(ns).size),
                         mean_by_n={int(v): float(values[ns == v].mean()) for v in np.unique(ns)})
            predicted = predicted_n_slope(key[2]) if _PREDICTED[metric] else None
            entry["predicted_slope"] = predicted
            if np.any(values <= 0):
                entry.update(slope=None, note="not fitted: some values are 0")
            else:
                fit = fit_loglog_slope(ns, values, n_boot=n_boot, random_state=random_state)
                entry.update(slope=fit.slope, ci_low=fit.ci_low, ci_high=fit.ci_high,
                             intercept=fit.intercept, r2=fit.r2,
                             ci_contains_predicted=None if predicted is None
                             else fit.contains(predicted))
                levels = np.unique(ns)
                if levels.size >= 6:
                    # Rates are asymptotic: also fit the upper half of a long n grid,
                    # reported next to (never instead of) the full-range slope.
                    upper = ns >= levels[levels.size // 2]
                    tail = fit_loglog_slope(ns[upper], values[upper], n_boot=n_boot,
                                            random_state=random_state)
                    entry["upper_half"] = dict(
                        n_min=int(ns[upper].min()), slope=tail.slope, ci_low=tail.ci_low,
                        ci_high=tail.ci_high,
                        ci_contains_predicted=None if predicted is None
                        else tail.contains(predicted))
            out.append(entry)
    return out


def _log_axis_slopes(rows, axis, n_boot, random_state):
    out = []
    keys = ("experiment", "method", "family", "n", "n_tasks", "c_group")
    if axis == "n_kernels":
        keys = keys + ("n_features",)
    for key, group in group_rows(rows, keys).items():
        x = np.array([r[axis] for r in group], dtype=float)
        if np.unique(x).size < 2:
            continue
        y = np.array([r["estimation_error"] for r in group], dtype=float)
        fit = fit_slope(np.log(x), y, n_boot=n_boot, random_state=random_state)
        levels = np.unique(x)
        means = [float(y[x == v].mean()) for v in levels]
        entry = dict(zip(keys, key), metric="estimation_error", axis=f"log {axis}",
                     slope=fit.slope, ci_low=fit.ci_low, ci_high=fit.ci_high, r2=fit.r2,
                     predicted="positive, proportional to s / (n T) [reconstructed]",
                     mean_by_level={int(v): m for v, m in zip(levels, means)},
                     error_increases=bool(means[-1] > means[0]),
                     ci_above_zero=bool(fit.ci_low > 0))
        # Theory: slope ~ s / (n T), so slope * n * T should not depend on n or T.
        entry["slope_times_nT"] = fit.slope * key[3] * key[4]
        out.append(entry)
    return out


def _error_matrix(group):
    """Errors as (levels of M, replications) and log M; None if unbalanced."""
    levels = sorted({r["n_kernels"] for r in group})
    by_level = [sorted((r for r in group if r["n_kernels"] == m),
                       key=lambda r: (r.get("rep", 0), str(r["cell_id"]))) for m in levels]
    if len({len(b) for b in by_level}) != 1 or len(by_level[0]) < 2:
        return None, None
    E = np.array([[r["estimation_error"] for r in b] for b in by_level], dtype=float)
    return E, np.log(np.array(levels, dtype=float))


def _boot_slopes(E, log_m, idx):
    """OLS slopes of mean error against log M for resampled replications."""
    means = np.take_along_axis(E[None, :, :], idx, axis=2).mean(axis=2)  # (B, L)
    x = log_m - log_m.mean()
    return (means - means.mean(axis=1, keepdims=True)) @ x / (x @ x)


def _task_effect(kernel_slopes, rows, n_boot, random_state):
    """Exponent of the log-M slope in T, with an interval over replications.

    Every bootstrap draw resamples the replications within each (T, M) cell,
    recomputes each T's log-M slope and refits log(slope) on log T; draws with
    a non-positive slope are dropped (their share is reported).
    """
    out = []
    rng = np.random.RandomState(random_state)
    for key, group in group_rows(kernel_slopes, ("experiment", "method", "n")).items():
        T = np.array([g["n_tasks"] for g in group], dtype=float)
        slopes = np.array([g["slope"] for g in group], dtype=float)
        if np.unique(T).size < 2:
            continue
        entry = dict(experiment=key[0], method=key[1], n=key[2],
                     slope_by_T={int(t): float(s) for t, s in zip(T, slopes)},
                     predicted_slope=-1.0)
        if np.all(slopes > 0):
            fit = fit_slope(np.log(T), np.log(slopes), n_boot=n_boot, random_state=random_state)
            entry.update(loglog_slope=fit.slope, r2=fit.r2)
        else:
            entry.update(loglog_slope=None, note="some log M slopes are not positive")
        draws = []
        for t in T:
            E, log_m = _error_matrix([r for r in rows if (r["experiment"], r["method"], r["n"])
                                      == key and r["n_tasks"] == t])
            if E is None:
                draws = None
                break
            idx = rng.randint(0, E.shape[1], size=(n_boot,) + E.shape)
            draws.append(_boot_slopes(E, log_m, idx))
        if draws is not None:
            S = np.array(draws)  # (n_T, B)
            valid = np.all(S > 0, axis=0)
            x = np.log(T) - np.log(T).mean()
            logs = np.log(np.where(S[:, valid] > 0, S[:, valid], 1.0))
            exps = x @ (logs - logs.mean(axis=0)) / (x @ x)
            entry["positive_draws"] = float(valid.mean())
            if exps.size >= 20:
                low, high = np.quantile(exps, [0.025, 0.975])
                entry.update(ci_low=float(low), ci_high=float(high),
                             ci_contains_predicted=bool(low <= -1.0 <= high))
        out.append(entry)
    return out


def _slope_differences(rows, n_boot, random_state):
    """log-M slope of MTMK-L2 minus MTMK-L1, paired by replication, with an interval."""
    out = []
    rng = np.random.RandomState(random_state)
    for key, group in group_rows(rows, ("experiment", "n", "n_tasks")).items():
        E1, log_m = _error_matrix([r for r in group if r["method"] == "mtmk_l1"])
        E2, _ = _error_matrix([r for r in group if r["method"] == "mtmk_l2"])
        if E1 is None or E2 is None or E1.shape != E2.shape:
            continue
        idx = rng.randint(0, E1.shape[1], size=(n_boot,) + E1.shape)
        diff = _boot_slopes(E2, log_m, idx) - _boot_slopes(E1, log_m, idx)
        ident = np.tile(np.arange(E1.shape[1]), (1, E1.shape[0], 1))
        point = float((_boot_slopes(E2, log_m, ident) - _boot_slopes(E1, log_m, ident))[0])
        low, high = np.quantile(diff, [0.025, 0.975])
        out.append(dict(experiment=key[0], n=key[1], n_tasks=key[2],
                        comparison="mtmk_l2 - mtmk_l1", slope_difference=point,
                        ci_low=float(low), ci_high=float(high),
                        verdict="mtmk_l2 grows faster" if low > 0 else
                        "mtmk_l1 grows faster" if high < 0 else "not distinguishable"))
    return out


def _support(rows):
    out = []
    keys = ("experiment", "method", "n", "n_kernels", "n_tasks", "c_group")
    for key, group in group_rows(rows, keys).items():
        def mean(name):
            v = np.array([r[name] for r in group], dtype=float)
            return float(np.nanmean(v)) if np.any(np.isfinite(v)) else None
        out.append(dict(zip(keys, key), replications=len(group),
                        support_exact=mean("support_exact"), support_top=mean("support_top"),
                        n_selected=mean("n_selected"), estimation_error=mean("estimation_error"),
                        auc=mean("auc")))
    return out


def _support_comparison(support_rows):
    """Mean support recovery per method, and MTMK-L1 against the other selectors.

    The paired differences pair the methods' rows of the same cell (same data).
    """
    result = {}
    for metric in ("support_exact", "support_top"):
        for method in ("mtmk_l1", "mtmk_l2", "mtmk_mix", "stmkl"):
            v = [r[metric] for r in support_rows if r["method"] == method]
            if v:
                result[f"{method}_{metric}"] = float(np.nanmean(v))
    by_cell = {}
    for r in support_rows:
        by_cell.setdefault(r["cell_id"], {})[r["method"]] = r
    paired = []
    for other in SELECTING[1:]:
        cells = [c for c in by_cell.values() if "mtmk_l1" in c and other in c]
        for metric in ("support_exact", "support_top"):
            a = [c["mtmk_l1"][metric] for c in cells]
            b = [c[other][metric] for c in cells]
            if len(cells) < 2:
                continue
            d = paired_difference(a, b)
            paired.append(dict(comparison=f"mtmk_l1 - {other}", metric=metric,
                               **d.as_dict(), verdict=d.verdict(("mtmk_l1", other))))
    result["paired"] = paired
    return result


def summarize(rows, rademacher=None, n_boot=2000, random_state=0):
    """Summary dictionary of a sweep (and optionally of a Rademacher curve).

    Parameters
    ----------
    rows : list of dict
        Sweep rows (:func:`mtmk.theory.simulate`).
    rademacher : tuple (rows, fits) or None
        Output of :func:`mtmk.theory.rademacher_curve`.
    n_boot : int, default=2000
        Bootstrap resamples per slope.
    random_state : int, default=0
        Seeds the bootstraps.

    Returns
    -------
    dict
        ``n_rates``, ``kernel_count``, ``task_effect``, ``covariates``,
        ``support``, ``support_comparison``, ``rademacher``, ``failed_fits`` and
        ``checks`` (the checked statements, True or False as measured).
    """
    check_scalar(n_boot, "n_boot", Integral, min_val=1)
    random_state = check_seed(random_state)
    ok = _ok(rows)
    def by_prefix(p):
        return [r for r in ok if str(r["experiment"]).startswith(p)]
    n_rates = _n_slopes(by_prefix("rate_n"), n_boot, random_state)
    kernel_count = _log_axis_slopes(by_prefix("kernels_M"), "n_kernels", n_boot, random_state)
    covariates = _log_axis_slopes(by_prefix("covariates_p"), "n_features", n_boot, random_state)
    support_rows = by_prefix("support")
    summary = dict(
        n_rates=n_rates, kernel_count=kernel_count,
        task_effect=_task_effect(kernel_count, by_prefix("kernels_M"), n_boot, random_state),
        kernel_slope_differences=_slope_differences(by_prefix("kernels_M"), n_boot,
                                                    random_state),
        covariates=covariates, support=_support(support_rows),
        support_comparison=_support_comparison(support_rows),
        failed_fits=[dict(cell_id=r["cell_id"], method=r["method"], status=r["status"])
                     for r in rows if r.get("status") != "ok"],
        n_rows=len(rows),
        # Summed wall-clock time of the fits (per experiment): the basis for
        # projecting the runtime of larger sweeps.
        fit_seconds={str(k[0]): float(sum(r["fit_time"] for r in g
                                          if np.isfinite(r.get("fit_time", np.nan))))
                     for k, g in group_rows(rows, ("experiment",)).items()},
        cells_by_experiment={str(k[0]): len({r["cell_id"] for r in g})
                             for k, g in group_rows(rows, ("experiment",)).items()})
    checks = {}
    finite_rank = [e for e in n_rates if e["metric"] == "estimation_error"
                   and e["method"] == "mtmk_l1" and e["family"] in ("polynomial", "linear")
                   and e.get("slope") is not None]
    if finite_rank:
        checks["n_slope_finite_rank_ci_contains_predicted"] = all(
            e["ci_contains_predicted"] for e in finite_rank)
    l1_kernels = [e for e in kernel_count if e["method"] == "mtmk_l1"]
    if l1_kernels:
        checks["error_grows_with_M"] = all(e["error_increases"] and e["ci_above_zero"]
                                           for e in l1_kernels)
    # Only methods that can select kernels are compared (L2 keeps them all).
    for d in summary["support_comparison"]["paired"]:
        if d["metric"] == "support_exact":
            other = d["comparison"].split(" - ")[1]
            checks[f"l1_exact_support_recovery_above_{other}_interval_above_0"] = \
                bool(d["low"] > 0)
    if rademacher is not None:
        rad_rows, fits = rademacher
        summary["rademacher"] = dict(rows=rad_rows, fits=fits)
        checks["rademacher_l1_linear_in_sqrt_log_M_r2_ge_0.95"] = \
            fits["l1_vs_sqrt_log_M"]["r2"] >= 0.95
    summary["checks"] = checks
    return summary


def _fmt(value, digits=3):
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def format_markdown(summary):
    """A Markdown report of a summary: every fitted slope next to its prediction.

    Parameters
    ----------
    summary : dict
        Output of :func:`summarize` (possibly read back from JSON).

    Returns
    -------
    str
    """
    lines = ["## Error against n (log-log slopes, 95% bootstrap intervals)", "",
             "| method | family | M | T | metric | slope | interval | predicted | in interval |",
             "|---|---|---|---|---|---|---|---|---|"]
    for e in summary.get("n_rates", []):
        if e.get("slope") is None:
            continue
        grid = e["n_grid"]
        lines.append(
            f"| {e['method']} | {e['family']} | {e['n_kernels']} | {e['n_tasks']} | "
            f"{e['metric']} (n {grid[0]}-{grid[-1]}) | {_fmt(e['slope'])} | "
            f"[{_fmt(e['ci_low'])}, {_fmt(e['ci_high'])}] | "
            f"{_fmt(e['predicted_slope'])} | {_fmt(e.get('ci_contains_predicted'))} |")
        tail = e.get("upper_half")
        if tail:
            lines.append(
                f"| {e['method']} | {e['family']} | {e['n_kernels']} | {e['n_tasks']} | "
                f"{e['metric']} (n {tail['n_min']}-{grid[-1]}) | {_fmt(tail['slope'])} | "
                f"[{_fmt(tail['ci_low'])}, {_fmt(tail['ci_high'])}] | "
                f"{_fmt(e['predicted_slope'])} | {_fmt(tail.get('ci_contains_predicted'))} |")
    for title, key in (("Error against log M at fixed n", "kernel_count"),
                       ("Error against log p (one kernel per covariate)", "covariates")):
        entries = summary.get(key, [])
        if not entries:
            continue
        lines += ["", f"## {title} (predicted: positive slope, proportional to s/(nT); "
                  "reconstructed)", "",
                  "| method | n | T | slope | interval | slope x nT | mean error by level |",
                  "|---|---|---|---|---|---|---|"]
        for e in entries:
            levels = ", ".join(f"{k}: {_fmt(v)}" for k, v in e["mean_by_level"].items())
            lines.append(f"| {e['method']} | {e['n']} | {e['n_tasks']} | {_fmt(e['slope'])} | "
                         f"[{_fmt(e['ci_low'])}, {_fmt(e['ci_high'])}] | "
                         f"{_fmt(e['slope_times_nT'])} | {levels} |")
    if summary.get("kernel_slope_differences"):
        lines += ["", "## log-M slope, L2 minus L1 (95% interval over replications)", "",
                  "| n | T | difference | interval | verdict |", "|---|---|---|---|---|"]
        for e in summary["kernel_slope_differences"]:
            lines.append(f"| {e['n']} | {e['n_tasks']} | {_fmt(e['slope_difference'])} | "
                         f"[{_fmt(e['ci_low'])}, {_fmt(e['ci_high'])}] | {e['verdict']} |")
    if summary.get("task_effect"):
        lines += ["", "## The 1/T effect: log(log-M slope) against log T (predicted -1)", "",
                  "| method | n | log-M slope by T | fitted exponent | 95% interval | "
                  "draws with all slopes > 0 |", "|---|---|---|---|---|---|"]
        for e in summary["task_effect"]:
            by_t = ", ".join(f"T={k}: {_fmt(v)}" for k, v in e["slope_by_T"].items())
            lines.append(f"| {e['method']} | {e['n']} | {by_t} | {_fmt(e.get('loglog_slope'))} | "
                         f"[{_fmt(e.get('ci_low'))}, {_fmt(e.get('ci_high'))}] | "
                         f"{_fmt(e.get('positive_draws'))} |")
    if summary.get("support"):
        lines += ["", "## Support recovery", "",
                  "| method | c_group | n | exact | top-s | kernels selected | error | AUC |",
                  "|---|---|---|---|---|---|---|---|"]
        for e in summary["support"]:
            lines.append(f"| {e['method']} | {_fmt(e['c_group'])} | {e['n']} | "
                         f"{_fmt(e['support_exact'])} | {_fmt(e['support_top'])} | "
                         f"{_fmt(e['n_selected'])} | {_fmt(e['estimation_error'])} | "
                         f"{_fmt(e['auc'])} |")
    paired = (summary.get("support_comparison") or {}).get("paired")
    if paired:
        lines += ["", "Paired over cells, methods that can select kernels only (L2 keeps "
                  "every kernel):", "", "| comparison | metric | mean | 95% t interval | "
                  "verdict |", "|---|---|---|---|---|"]
        for d in paired:
            lines.append(f"| {d['comparison']} | {d['metric']} | {_fmt(d['mean'])} | "
                         f"[{_fmt(d['low'])}, {_fmt(d['high'])}] | {d['verdict']} |")
    rad = summary.get("rademacher")
    if rad:
        lines += ["", "## Rademacher complexity (sqrt(n) R_hat)", "",
                  "| fit | slope | R^2 |", "|---|---|---|"]
        for name, fit in rad["fits"].items():
            lines.append(f"| {name} | {_fmt(fit['slope'])} | {_fmt(fit['r2'], 4)} |")
    lines += ["", "## Checks (as measured)", ""]
    lines += [f"- {name}: {_fmt(value)}" for name, value in summary.get("checks", {}).items()]
    if summary.get("failed_fits"):
        lines.append(f"- failed fits: {len(summary['failed_fits'])}")
    return "\n".join(lines) + "\n"
