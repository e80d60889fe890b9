"""Per-modality alignment evaluation: the MTMK paper's table on simulated data.

:func:`alignment_table` runs 5-fold stratified cross-validation within every
task and reports the per-task test ROC-AUC on all rows, on the image rows and
on the text rows, for MTMK L1 / mix / L2, single-task multi-kernel learning,
a multi-task linear kernel, logistic regression and an RBF SVM.
The command ``python -m mtmk align --out DIR`` writes it to files (``--data
mfeat`` runs the real-data version of :mod:`mtmk.alignment_mfeat`).
"""

import time

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC
from sklearn.utils import Bunch, check_random_state
from threadpoolctl import threadpool_limits

from ._kernels import KernelDictionary
from ._metrics import binary_auc
from ._multitask import MTMKClassifier
from .datasets import MODALITIES, make_alignment_data

__all__ = ["METHODS", "alignment_table", "default_methods", "to_markdown"]

#: Method names in the order of the paper's table.
METHODS = ("MTMK L1", "MTMK mix", "MTMK L2", "single-task multi-kernel",
           "multi-task linear kernel", "logistic regression", "RBF SVM (C = 1)")


def default_methods(lam_group=0.04, lam_ridge=0.01, tol=1e-3):
    """The paper's methods as ``{name: (estimator, multi_task)}``.

    ``multi_task=True`` estimators are fitted once per fold on the pooled rows
    with a per-task ``sample_weight`` mask; the others once per task on that
    task's rows.  Single-task multi-kernel learning is the task-wise group
    penalty (``penalty="task"``): fitted on the pooled rows like MTMK, with the
    same kernels, but nothing shared between tasks.

    Parameters
    ----------
    lam_group : float, default=0.04
        Group penalty of the L1 and mix variants, the single-task and the
        linear-kernel models (the paper's value).
    lam_ridge : float, default=0.01
        Ridge penalty of the L2 variant.  The mix variant uses half of each
        penalty (``lam_group / 2``, ``lam_ridge / 2``).
    tol : float, default=1e-3
        Solver tolerance of the MTMK fits.

    Returns
    -------
    dict
    """
    def mtmk(**kw):
        return MTMKClassifier(tol=tol, **kw)
    linear = KernelDictionary(rbf=0, polynomial=(), linear=True)
    return {
        "MTMK L1": (mtmk(lam_group=lam_group, lam_ridge=0.0), True),
        "MTMK mix": (mtmk(lam_group=lam_group / 2, lam_ridge=lam_ridge / 2), True),
        "MTMK L2": (mtmk(lam_group=0.0, lam_ridge=lam_ridge), True),
        # one group per kernel and task: every task selects its own kernels
        "single-task multi-kernel": (mtmk(lam_group=lam_group, penalty="task"), True),
        "multi-task linear kernel": (mtmk(kernels=linear, lam_group=lam_group), True),
        "logistic regression": (LogisticRegression(C=1.0, max_iter=5000), False),
        "RBF SVM (C = 1)": (SVC(C=1.0, kernel="rbf", gamma="scale"), False),
    }


def _check_inputs(X, Y, modality, task_mask, n_splits):
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be 2-D (n_samples, n_features) with at least one row, got "
                         f"shape {X.shape}.")
    if Y.ndim != 2 or Y.shape[0] != X.shape[0] or Y.shape[1] == 0:
        raise ValueError(
            f"Y must be a 0/1 indicator of shape ({X.shape[0]}, n_tasks) with at least one "
            f"task, got {Y.shape}.")
    if not np.isin(Y, (0, 1)).all():
        raise ValueError("Y must contain only 0 and 1 (one column per task).")
    Y = Y.astype(int)
    modality = np.asarray(modality).astype(str)
    if modality.shape != (X.shape[0],):
        raise ValueError(f"modality must have shape ({X.shape[0]},), got {modality.shape}.")
    unknown = sorted(set(modality) - set(MODALITIES))
    if unknown:
        raise ValueError(f"Unknown modality {unknown}; allowed: {list(MODALITIES)}.")
    if task_mask is None:
        task_mask = np.ones(Y.shape, dtype=float)
    task_mask = np.asarray(task_mask, dtype=float)
    if task_mask.shape != Y.shape:
        raise ValueError(f"task_mask must have the shape of Y {Y.shape}, got {task_mask.shape}.")
    if not np.all(np.isfinite(task_mask)) or np.any(task_mask < 0):
        raise ValueError("task_mask must be finite and non-negative.")
    if not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
        raise ValueError(f"n_splits must be an integer >= 2, got {n_splits!r}.")
    # Every (class, modality) cell of every task must fill every fold, so that
    # each fold has both classes of both modalities to train and test on.
    for t in range(Y.shape[1]):
        rows = task_mask[:, t] > 0
        if not rows.any():
            raise ValueError(
                f"Task {t} has no rows: task_mask[:, {t}] is 0 everywhere, so there is "
                "nothing to train or test it on. Mark the rows of that task in task_mask, "
                f"or drop column {t} of Y and task_mask.")
        for label in (0, 1):
            for kind in MODALITIES:
                count = int(np.sum(rows & (Y[:, t] == label) & (modality == kind)))
                if count < n_splits and np.any(rows & (modality == kind)):
                    raise ValueError(
                        f"Task {t} has {count} {'positive' if label else 'negative'} "
                        f"{kind} rows: too few for {n_splits}-fold stratified CV "
                        f"(need >= {n_splits} per class and modality).")
    return X, Y, modality, task_mask


def _task_folds(Y, modality, task_mask, n_splits, random_state):
    """fold[i, t] in 0..n_splits-1 for task t's rows, -1 elsewhere."""
    rng = check_random_state(random_state)
    folds = np.full(Y.shape, -1)
    for t in range(Y.shape[1]):
        rows = np.flatnonzero(task_mask[:, t] > 0)
        # Stratify on class x modality: each fold keeps the task's mix.
        strata = np.char.add(Y[rows, t].astype(str), modality[rows])
        cv = StratifiedKFold(n_splits, shuffle=True,
                             random_state=rng.randint(np.iinfo(np.int32).max))
        for k, (_, test) in enumerate(cv.split(rows, strata)):
            folds[rows[test], t] = k
    return folds


def _fit_fold(name, estimator, multi_task, X, Y, task_mask, folds, k):
    """Decision values of one method on fold k: (n, T), NaN where unused."""
    with threadpool_limits(limits=1, user_api="blas"):
        # One BLAS thread: on a shared 2-core machine threaded LAPACK calls on
        # small matrices were measured 10-50x slower under load.
        start = time.perf_counter()
        train = task_mask * (folds != k) * (folds >= 0)
        F = np.full(Y.shape, np.nan)
        test_rows = np.flatnonzero(np.any(folds == k, axis=1))
        if multi_task:
            keep = np.flatnonzero(train.sum(axis=1) > 0)
            model = clone(estimator).fit(X[keep], Y[keep], sample_weight=train[keep])
            F[test_rows] = model.decision_function(X[test_rows])
        else:
            for t in range(Y.shape[1]):
                rows = np.flatnonzero(train[:, t] > 0)
                model = clone(estimator).fit(X[rows], Y[rows, t], sample_weight=train[rows, t])
                test = np.flatnonzero(folds[:, t] == k)
                F[test, t] = model.decision_function(X[test])
        return name, k, F, time.perf_counter() - start


def alignment_table(X=None, Y=None, modality=None, task_mask=None, methods=None,
                    n_splits=5, random_state=0, n_jobs=None, data_params=None):
    """Per-task, per-modality test ROC-AUC of the paper's methods by CV.

    Parameters
    ----------
    X, Y, modality, task_mask : array-like, default=None
        Pooled inputs (n, p), 0/1 task labels (n, T), modality per row
        (``"image"`` or ``"text"``) and the per-task membership (n, T), 0 for
        rows that are not part of task t's data (``None``: every row belongs
        to every task).  ``X=None`` simulates data with
        :func:`mtmk.datasets.make_alignment_data` (``data_params``, seeded by
        ``random_state``).
    methods : dict, default=None
        ``{name: (estimator, multi_task)}``; ``None`` means
        :func:`default_methods`.  Multi-task estimators get the per-task
        training mask as ``sample_weight`` of shape (n, T).
    n_splits : int, default=5
        Stratified folds within each task (strata: class x modality).
    random_state : int, RandomState instance or None, default=0
        Seeds the simulated data and the folds.
    n_jobs : int, default=None
        Parallel (method, fold) fits through joblib.
    data_params : dict, default=None
        Keyword arguments of :func:`~mtmk.datasets.make_alignment_data`.

    Returns
    -------
    result : Bunch
        ``scores``: tidy list of dicts ``method, task, fold, modality, auc``;
        ``summary``: one dict per method with the mean per-task AUC
        ``all``, ``image``, ``text`` (averaged over tasks and folds), their
        standard deviations over tasks (``*_sd``) and ``fit_seconds`` (summed
        over folds); ``markdown``: the summary as a Markdown table.

    Raises
    ------
    ValueError
        For an unknown modality, mismatched shapes, a task without rows, or a
        task with fewer than ``n_splits`` rows of some class and modality.

    Examples
    --------
    >>> from mtmk.alignment import alignment_table
    >>> from mtmk.datasets import make_alignment_data
    >>> from sklearn.linear_model import LogisticRegression
    >>> d = make_alignment_data(n_tasks=3, n_images=20, n_texts=10, random_state=0)
    >>> res = alignment_table(d.X, d.Y, d.modality, d.task_mask,
    ...                       methods={"LR": (LogisticRegression(), False)})
    >>> [row["method"] for row in res.summary]
    ['LR']
    """
    try:
        rng = check_random_state(random_state)
    except ValueError:
        raise ValueError(f"random_state must be None, an int in [0, 2**32 - 1] or a "
                         f"numpy RandomState, got {random_state!r}.") from None
    if X is None:
        params = dict(data_params or {})
        params.setdefault("random_state", rng.randint(np.iinfo(np.int32).max))
        data = make_alignment_data(**params)
        X, Y, modality, task_mask = data.X, data.Y, data.modality, data.task_mask
    elif Y is None or modality is None:
        raise ValueError("Pass Y and modality together with X.")
    X, Y, modality, task_mask = _check_inputs(X, Y, modality, task_mask, n_splits)
    methods = default_methods() if methods is None else methods
    folds = _task_folds(Y, modality, task_mask, n_splits, rng)

    jobs = [(name, est, multi, k) for name, (est, multi) in methods.items()
            for k in range(n_splits)]
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fit_fold)(name, est, multi, X, Y, task_mask, folds, k)
        for name, est, multi, k in jobs)

    scores, seconds = [], {}
    for name, k, F, sec in results:
        seconds[name] = seconds.get(name, 0.0) + sec
        for t in range(Y.shape[1]):
            test = folds[:, t] == k
            for kind in ("all",) + MODALITIES:
                rows = test if kind == "all" else test & (modality == kind)
                if not rows.any():
                    continue
                y = Y[rows, t]
                auc = binary_auc(y, F[rows, t]) if 0 < y.sum() < y.size else np.nan
                scores.append(dict(method=name, task=t, fold=k, modality=kind, auc=auc))
    summary = _summarise(scores, list(methods), seconds)
    return Bunch(scores=scores, summary=summary, markdown=to_markdown(summary))


def _summarise(scores, names, seconds):
    summary = []
    for name in names:
        row = {"method": name}
        for kind in ("all",) + MODALITIES:
            cells = [s for s in scores if s["method"] == name and s["modality"] == kind]
            if not cells:
                row[kind], row[f"{kind}_sd"] = np.nan, np.nan
                continue
            tasks = sorted({s["task"] for s in cells})
            # mean over folds per task, then mean (and spread) over tasks
            per_task = [np.nanmean([s["auc"] for s in cells if s["task"] == t]) for t in tasks]
            row[kind] = float(np.mean(per_task))
            row[f"{kind}_sd"] = float(np.std(per_task))
        row["fit_seconds"] = float(seconds.get(name, np.nan))
        summary.append(row)
    return summary


def to_markdown(summary):
    """The summary rows of :func:`alignment_table` as a Markdown table.

    Parameters
    ----------
    summary : list of dict
        The ``summary`` of :func:`alignment_table`.
    """
    lines = ["| method | all | image | text | fit time (s) |", "|---|---|---|---|---|"]
    for row in summary:
        cells = [f"{row[k]:.3f}" if np.isfinite(row[k]) else "n/a"
                 for k in ("all",) + MODALITIES]
        lines.append(f"| {row['method']} | " + " | ".join(cells)
                     + f" | {row['fit_seconds']:.1f} |")
    return "\n".join(lines) + "\n"
