"""The MTMK paper's alignment table on real paired views, with intervals.

Pixels of the UCI multiple-features digits play the images and another view
(Fourier, Karhunen-Loeve, ...) the texts (:func:`~mtmk.datasets.make_mfeat_alignment_data`);
one task per digit.  Every one of ``n_subsamples`` random subsamples runs the
per-task CV of :func:`~mtmk.alignment.alignment_table`, once with the paper's
fixed penalties and once with every method tuned by inner CV over a grid of
the same size (:class:`~mtmk.selection.InnerCVClassifier`).  The summary
gives each method's mean per-modality AUC over subsamples with a 95 % t
interval, and the paired difference of each MTMK variant minus single-task
multi-kernel learning (:func:`~mtmk.stats.paired_difference`).
"""

import time

import numpy as np
from sklearn.utils import Bunch, check_random_state

from .alignment import alignment_table, default_methods
from .datasets import MODALITIES, make_mfeat_alignment_data
from .selection import InnerCVClassifier, scaled_grid
from .stats import mean_interval, paired_difference

__all__ = ["mfeat_alignment", "tuned_methods", "REFERENCE", "MTMK_VARIANTS"]

#: The method every MTMK variant is compared with.
REFERENCE = "single-task multi-kernel"
#: The multi-task variants compared with :data:`REFERENCE`.
MTMK_VARIANTS = ("MTMK L1", "MTMK mix", "MTMK L2")
KINDS = ("all",) + MODALITIES


def _penalties(estimator):
    params = estimator.get_params()
    names = [n for n in ("lam_group", "lam_ridge") if params.get(n, 0) > 0]
    if not names and "C" in params:
        names = ["C"]
    if not names:
        raise ValueError(f"{type(estimator).__name__} has no lam_group, lam_ridge or C "
                         "to tune.")
    return names


def tuned_methods(methods, factors=(0.25, 1.0, 4.0), cv=3, random_state=0):
    """Wrap every method in inner CV over the same-size grid.

    Each method's own regularisation (``lam_group`` and/or ``lam_ridge``,
    whichever are positive, scaled jointly; or ``C``) is multiplied by each of
    ``factors`` around its fixed value: every method gets ``len(factors)``
    candidates and the same ``cv`` inner folds.  Candidates are listed from
    the strongest to the weakest regularisation, so estimators that warm start
    (the MTMK models, logistic regression) follow the regularisation path
    within each inner fold.

    Parameters
    ----------
    methods : dict
        ``{name: (estimator, multi_task)}`` as :func:`~mtmk.alignment.default_methods`.
    factors : sequence of float, default=(0.25, 1.0, 4.0)
        Multiples of each method's own penalty tried by the inner CV.
    cv : int, default=3
        Inner folds.
    random_state : int, RandomState instance or None, default=0
        Seeds the inner folds.

    Returns
    -------
    dict
        Same keys, values ``(InnerCVClassifier, multi_task)``.
    """
    rng = check_random_state(random_state)
    tuned = {}
    for name, (est, multi) in methods.items():
        names = _penalties(est)
        # Strongest regularisation first: warm starts then follow the path.
        order = sorted(factors, reverse=names != ["C"])
        tuned[name] = (InnerCVClassifier(est, scaled_grid(est, names, order), cv=cv,
                                         random_state=rng.randint(np.iinfo(np.int32).max)),
                       multi)
    return tuned


def mfeat_alignment(text_view="fou", text_embedding="pad", n_subsamples=20, n_images=20,
                    n_texts=10, n_splits=3, tune=True, factors=(0.25, 1.0, 4.0), inner_cv=3,
                    methods=None, random_state=0, n_jobs=None, verbose=False):
    """Alignment table on real views over random subsamples, fixed and tuned.

    Parameters
    ----------
    text_view, text_embedding, n_images, n_texts
        Passed to :func:`~mtmk.datasets.make_mfeat_alignment_data`.
    n_subsamples : int, default=20
        Random subsamples (each a new draw of rows and folds), at least 2.
    n_splits : int, default=3
        Outer CV folds within each task.
    tune : bool, default=True
        Also run every method tuned by inner CV (:func:`tuned_methods`).
    factors, inner_cv
        Grid and inner folds of the tuning.
    methods : dict, default=None
        ``None``: :func:`~mtmk.alignment.default_methods` (the paper's fixed
        penalties); must contain :data:`REFERENCE` for the differences.
    random_state : int, default=0
        Seeds subsample i with ``random_state + i``.
    n_jobs : int, default=None
        Parallel (method, fold) fits inside each table.
    verbose : bool, default=False
        Print one line per subsample.

    Returns
    -------
    result : Bunch
        ``rows``: per subsample, tuning and method the mean per-task AUC on
        all / image / text rows; ``summary``: per tuning, method and modality
        the mean over subsamples with a 95 % t interval; ``differences``: per
        tuning, MTMK variant and modality the paired difference minus
        :data:`REFERENCE` (:class:`~mtmk.stats.PairedDifference` fields and a
        ``verdict``); ``markdown``; ``config``.
    """
    if not isinstance(n_subsamples, (int, np.integer)) or n_subsamples < 2:
        raise ValueError(f"n_subsamples must be an integer >= 2, got {n_subsamples!r}.")
    fixed = default_methods() if methods is None else methods
    settings = {"fixed": fixed}
    if tune:
        settings["tuned"] = tuned_methods(fixed, factors=factors, cv=inner_cv,
                                          random_state=random_state)
    rows = []
    for i in range(n_subsamples):
        seed = int(random_state) + i
        start = time.perf_counter()
        data = make_mfeat_alignment_data(text_view=text_view, text_embedding=text_embedding,
                                         n_images=n_images, n_texts=n_texts, random_state=seed)
        for tuning, meths in settings.items():
            res = alignment_table(data.X, data.Y, data.modality, data.task_mask,
                                  methods=meths, n_splits=n_splits, random_state=seed,
                                  n_jobs=n_jobs)
            for row in res.summary:
                rows.append(dict(subsample=i, seed=seed, tuning=tuning, method=row["method"],
                                 **{k: row[k] for k in KINDS},
                                 fit_seconds=row["fit_seconds"]))
        if verbose:
            print(f"subsample {i + 1}/{n_subsamples} done in "
                  f"{time.perf_counter() - start:.1f} s", flush=True)
    summary, differences = _intervals(rows, settings)
    config = dict(text_view=text_view, text_embedding=text_embedding,
                  n_subsamples=n_subsamples, n_images=n_images, n_texts=n_texts,
                  n_splits=n_splits, tune=tune, factors=list(factors), inner_cv=inner_cv,
                  random_state=random_state)
    return Bunch(rows=rows, summary=summary, differences=differences, config=config,
                 markdown=to_markdown(summary, differences))


def _scores(rows, tuning, method, kind):
    picked = sorted((r for r in rows if r["tuning"] == tuning and r["method"] == method),
                    key=lambda r: r["subsample"])
    return np.array([r[kind] for r in picked])


def _intervals(rows, settings):
    summary, differences = [], []
    for tuning, meths in settings.items():
        for method in meths:
            for kind in KINDS:
                mean, sd, low, high = mean_interval(_scores(rows, tuning, method, kind))
                summary.append(dict(tuning=tuning, method=method, modality=kind, mean=mean,
                                    sd=sd, low=low, high=high))
        if REFERENCE not in meths:
            continue
        for variant in (v for v in MTMK_VARIANTS if v in meths):
            for kind in KINDS:
                d = paired_difference(_scores(rows, tuning, variant, kind),
                                      _scores(rows, tuning, REFERENCE, kind))
                differences.append(dict(tuning=tuning, comparison=f"{variant} - {REFERENCE}",
                                        modality=kind, **d.as_dict(),
                                        verdict=d.verdict((variant, REFERENCE))))
    return summary, differences


def to_markdown(summary, differences):
    """Summary and differences of :func:`mfeat_alignment` as Markdown tables."""
    lines = []
    for tuning in dict.fromkeys(r["tuning"] for r in summary):
        lines += [f"**{tuning} penalties**: mean per-task ROC-AUC over subsamples "
                  "[95 % t interval]", "",
                  "| method | all | image | text |", "|---|---|---|---|"]
        for method in dict.fromkeys(r["method"] for r in summary if r["tuning"] == tuning):
            cells = {r["modality"]: f"{r['mean']:.3f} [{r['low']:.3f}, {r['high']:.3f}]"
                     for r in summary if r["tuning"] == tuning and r["method"] == method}
            lines.append(f"| {method} | " + " | ".join(cells[k] for k in KINDS) + " |")
        lines.append("")
        diffs = [d for d in differences if d["tuning"] == tuning]
        if diffs:
            lines += [f"Paired difference ({tuning}), mean [95 % t interval], verdict:", "",
                      "| comparison | all | image | text |", "|---|---|---|---|"]
            for comp in dict.fromkeys(d["comparison"] for d in diffs):
                cells = {d["modality"]: f"{d['mean']:+.4f} [{d['low']:+.4f}, "
                         f"{d['high']:+.4f}] {d['verdict']}"
                         for d in diffs if d["comparison"] == comp}
                lines.append(f"| {comp} | " + " | ".join(cells[k] for k in KINDS) + " |")
            lines.append("")
    return "\n".join(lines)
