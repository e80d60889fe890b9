"""Summaries of sweep results: fitted rates next to the rates theory predicts.

Experiments are recognised by the prefix of their ``experiment`` label:

- ``rate_n...``: error against n on log-log axes, one slope per method and
  design, compared with :func:`~mtmk.theory.data.predicted_n_slope`;
- ``kernels_M...``: error against log M at fixed n (predicted: a positive
  slope proportional to ``s / (n T)``), and, when several T are present, the
  1/T effect (log of the log-M slope against log T, predicted -1);
- ``covariates_p...``: error against log p (one kernel per covariate);
- ``support...``: support recovery against n.

The MTMK rate these predictions come from is a reconstruction (SPEC
section 4): the theorem text of the MTMK paper was not available.
"""

import numpy as np

from .data import predicted_n_slope
from .rates import fit_loglog_slope, fit_slope

__all__ = ["summarize", "format_markdown", "group_rows", "ERROR_METRICS"]

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


def _task_effect(kernel_slopes, n_boot, random_state):
    out = []
    for key, group in group_rows(kernel_slopes, ("experiment", "method", "n")).items():
        T = np.array([g["n_tasks"] for g in group], dtype=float)
        slopes = np.array([g["slope"] for g in group], dtype=float)
        if np.unique(T).size < 2:
            continue
        entry = dict(experiment=key[0], method=key[1], n=key[2],
                     slope_by_T={int(t): float(s) for t, s in zip(T, slopes)},
                     predicted_slope=-1.0)
        if np.all(slopes > 0):
            # One point per T: the interval is the line's, not a bootstrap over reps.
            fit = fit_slope(np.log(T), np.log(slopes), n_boot=n_boot, random_state=random_state)
            entry.update(loglog_slope=fit.slope, r2=fit.r2)
        else:
            entry.update(loglog_slope=None, note="some log M slopes are not positive")
        out.append(entry)
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


def _l1_vs_l2(support_rows):
    result = {}
    for metric in ("support_exact", "support_top"):
        for method in ("mtmk_l1", "mtmk_l2", "mtmk_mix", "stmkl"):
            v = [r[metric] for r in support_rows if r["method"] == method]
            if v:
                result[f"{method}_{metric}"] = float(np.nanmean(v))
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
    random_state : int, default=0

    Returns
    -------
    dict
        ``n_rates``, ``kernel_count``, ``task_effect``, ``covariates``,
        ``support``, ``support_comparison``, ``rademacher``, ``failed_fits`` and
        ``checks`` (the acceptance statements, True or False as measured).
    """
    ok = _ok(rows)
    by_prefix = lambda p: [r for r in ok if str(r["experiment"]).startswith(p)]
    n_rates = _n_slopes(by_prefix("rate_n"), n_boot, random_state)
    kernel_count = _log_axis_slopes(by_prefix("kernels_M"), "n_kernels", n_boot, random_state)
    covariates = _log_axis_slopes(by_prefix("covariates_p"), "n_features", n_boot, random_state)
    support_rows = by_prefix("support")
    summary = dict(
        n_rates=n_rates, kernel_count=kernel_count,
        task_effect=_task_effect(kernel_count, n_boot, random_state),
        covariates=covariates, support=_support(support_rows),
        support_comparison=_l1_vs_l2(support_rows),
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
    comp = summary["support_comparison"]
    if "mtmk_l1_support_exact" in comp and "mtmk_l2_support_exact" in comp:
        checks["l1_exact_support_recovery_above_l2"] = \
            comp["mtmk_l1_support_exact"] > comp["mtmk_l2_support_exact"]
        checks["l1_top_s_support_recovery_at_least_l2"] = \
            comp["mtmk_l1_support_top"] >= comp["mtmk_l2_support_top"]
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
    if summary.get("task_effect"):
        lines += ["", "## The 1/T effect: log(log-M slope) against log T (predicted -1)", "",
                  "| method | n | log-M slope by T | fitted exponent |", "|---|---|---|---|"]
        for e in summary["task_effect"]:
            by_t = ", ".join(f"T={k}: {_fmt(v)}" for k, v in e["slope_by_T"].items())
            lines.append(f"| {e['method']} | {e['n']} | {by_t} | {_fmt(e.get('loglog_slope'))} |")
    if summary.get("support"):
        lines += ["", "## Support recovery", "",
                  "| method | c_group | n | exact | top-s | kernels selected | error | AUC |",
                  "|---|---|---|---|---|---|---|---|"]
        for e in summary["support"]:
            lines.append(f"| {e['method']} | {_fmt(e['c_group'])} | {e['n']} | "
                         f"{_fmt(e['support_exact'])} | {_fmt(e['support_top'])} | "
                         f"{_fmt(e['n_selected'])} | {_fmt(e['estimation_error'])} | "
                         f"{_fmt(e['auc'])} |")
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
