"""Matplotlib figures of a sweep summary (PNG files)."""

import os

import numpy as np


def _pyplot():
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(
            "The plots of mtmk.theory need matplotlib, an optional dependency: install it "
            "with `pip install mtmk[plots]` (or pass --no-plots to `python -m mtmk "
            "simulate`).") from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _se(values):
    values = np.asarray(values, dtype=float)
    return values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else 0.0


def plot_error_vs_n(rows, summary, path, metric="estimation_error", family=None):
    """Error against n (log-log) with fitted lines and predicted slopes.

    Parameters
    ----------
    rows : list of dict
        Results of :func:`simulate`.
    summary : dict
        Output of :func:`summarize`.
    path : str or path-like
        PNG file to write.
    metric : str, default="estimation_error"
        Result column on the vertical axis.
    family : str or None, default=None
        Kernel family to draw; ``None`` draws all.
    """
    plt = _pyplot()
    entries = [e for e in summary["n_rates"] if e["metric"] == metric and e.get("slope") is not None
               and (family is None or e["family"] == family)]
    fig, ax = plt.subplots(figsize=(7, 5))
    for k, e in enumerate(entries):
        color = f"C{k % 10}"
        group = [r for r in rows if r.get("status") == "ok" and r["experiment"] == e["experiment"]
                 and r["method"] == e["method"] and r["family"] == e["family"]
                 and r["n_kernels"] == e["n_kernels"] and r["n_tasks"] == e["n_tasks"]
                 and r["n_features"] == e["n_features"] and r["c_group"] == e["c_group"]]
        ns = np.array(sorted({r["n"] for r in group}), dtype=float)
        means = np.array([np.mean([r[metric] for r in group if r["n"] == n]) for n in ns])
        ses = np.array([_se([r[metric] for r in group if r["n"] == n]) for n in ns])
        label = (f"{e['method']}, {e['family']}, M={e['n_kernels']}, T={e['n_tasks']}: "
                 f"slope {e['slope']:.2f} [{e['ci_low']:.2f}, {e['ci_high']:.2f}]")
        ax.errorbar(ns, means, yerr=ses, fmt="o", color=color, capsize=3, label=label)
        grid = np.geomspace(ns.min(), ns.max(), 50)
        ax.plot(grid, np.exp(e["intercept"]) * grid ** e["slope"], "-", color=color)
        if e["predicted_slope"] is not None:
            centre = np.exp(np.mean(np.log(means)))
            n_c = np.exp(np.mean(np.log(ns)))
            ax.plot(grid, centre * (grid / n_c) ** e["predicted_slope"], "--", color=color,
                    alpha=0.7, label=f"predicted slope {e['predicted_slope']:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (training samples)")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(f"{metric.replace('_', ' ')} against n"
                 + (f", {family} kernels" if family else "") + " (mean ± s.e.)")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_error_vs_log_m(rows, summary, path):
    """Estimation error against log M at fixed n, one curve per method and T.

    Parameters
    ----------
    rows : list of dict
        Results of :func:`simulate`.
    summary : dict
        Output of :func:`summarize`.
    path : str or path-like
        PNG file to write.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 5))
    for k, e in enumerate(summary["kernel_count"]):
        color = f"C{k % 10}"
        group = [r for r in rows if r.get("status") == "ok" and r["experiment"] == e["experiment"]
                 and r["method"] == e["method"] and r["n"] == e["n"]
                 and r["n_tasks"] == e["n_tasks"] and r["c_group"] == e["c_group"]]
        Ms = np.array(sorted({r["n_kernels"] for r in group}), dtype=float)
        means = np.array([np.mean([r["estimation_error"] for r in group if r["n_kernels"] == m])
                          for m in Ms])
        ses = np.array([_se([r["estimation_error"] for r in group if r["n_kernels"] == m])
                        for m in Ms])
        ax.errorbar(np.log(Ms), means, yerr=ses, fmt="o", color=color, capsize=3,
                    label=f"{e['method']}, n={e['n']}, T={e['n_tasks']}: slope "
                          f"{e['slope']:.3f} [{e['ci_low']:.3f}, {e['ci_high']:.3f}]")
        x = np.log(Ms)
        ax.plot(x, means.mean() + e["slope"] * (x - x.mean()), "-", color=color)
    ax.set_xlabel("log M (number of candidate kernels)")
    ax.set_ylabel("estimation error")
    ax.set_title("Error against log M at fixed n (theory: slope ∝ s/(nT), reconstructed)")
    ax.legend(fontsize=7)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_support_vs_n(summary, path):
    """Exact and top-s support recovery against n, one curve per method.

    Parameters
    ----------
    summary : dict
        Output of :func:`summarize`.
    path : str or path-like
        PNG file to write.
    """
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    entries = [e for e in summary["support"] if e["support_exact"] is not None]
    keys = sorted({(e["method"], e["c_group"]) for e in entries}, key=str)
    for k, (method, c) in enumerate(keys):
        group = sorted([e for e in entries if e["method"] == method and e["c_group"] == c],
                       key=lambda e: e["n"])
        ns = [e["n"] for e in group]
        for ax, name in zip(axes, ("support_exact", "support_top")):
            ax.plot(ns, [e[name] for e in group], "o-", color=f"C{k % 10}",
                    label=f"{method} (c_group={c:g})")
    axes[0].set_title("exact recovery: non-zero kernel weights = S")
    axes[1].set_title("top-s recovery: s largest kernel weights = S")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("n")
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("fraction of replications")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_rademacher(rademacher, path):
    """sqrt(n) R_hat against sqrt(log M) (L1) and against M^{1/4} (Lq, q = 2).

    Parameters
    ----------
    rademacher : dict
        The ``rademacher`` entry of :func:`summarize`'s output.
    path : str or path-like
        PNG file to write.
    """
    plt = _pyplot()
    rows, fits = rademacher
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, constraint, transform, xlabel, fit_key in (
            (axes[0], "l1", lambda m: np.sqrt(np.log(m)), "sqrt(log M)", "l1_vs_sqrt_log_M"),
            (axes[1], "lq", lambda m: m ** 0.25, "M^(1/4)", "lq_vs_M_quarter")):
        sel = [r for r in rows if r["constraint"] == constraint]
        x = transform(np.array([r["n_kernels"] for r in sel], dtype=float))
        y = np.array([r["complexity"] for r in sel])
        ax.errorbar(x, y, yerr=[r["stderr"] for r in sel], fmt="o", capsize=3)
        fit = fits[fit_key]
        ax.plot(x, fit["intercept"] + fit["slope"] * x, "-",
                label=f"line: slope {fit['slope']:.3f}, R² {fit['r2']:.4f}")
        for m, xi, yi in zip([r["n_kernels"] for r in sel], x, y):
            ax.annotate(f"M={m}", (xi, yi), textcoords="offset points", xytext=(4, -10),
                        fontsize=7)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("sqrt(n) x empirical Rademacher complexity")
        ax.set_title("L1-constrained kernel combinations" if constraint == "l1"
                     else f"Lq-constrained (q = {sel[0]['q']:g}) kernel combinations")
        ax.legend()
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_all(rows, summary, out_dir):
    """Write every applicable figure into ``out_dir``; returns the file names.

    Parameters
    ----------
    rows : list of dict
        Results of :func:`simulate` or :func:`load_results`.
    summary : dict
        Output of :func:`summarize`.
    out_dir : str or path-like
        Directory of the PNG files.
    """
    written = []
    families = sorted({e["family"] for e in summary["n_rates"]})
    for family in families:
        for metric in ("estimation_error", "excess_logistic"):
            name = f"error_vs_n_{metric}_{family}.png"
            plot_error_vs_n(rows, summary, os.path.join(out_dir, name), metric, family)
            written.append(name)
    if summary["kernel_count"]:
        plot_error_vs_log_m(rows, summary, os.path.join(out_dir, "error_vs_log_M.png"))
        written.append("error_vs_log_M.png")
    if summary["support"]:
        plot_support_vs_n(summary, os.path.join(out_dir, "support_vs_n.png"))
        written.append("support_vs_n.png")
    if summary.get("rademacher"):
        rad = summary["rademacher"]
        plot_rademacher((rad["rows"], rad["fits"]), os.path.join(out_dir, "rademacher.png"))
        written.append("rademacher.png")
    return written
