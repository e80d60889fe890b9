"""Regularisation path of MTMK with warm starts, and its cross-validated estimator.

The path runs from ``lam_max`` — the smallest ``lam_group`` at which every
kernel is zero, computed exactly from the gradient at the intercept-only model
— down a geometric grid, each fit starting from the previous solution.
Cross-validation folds run through joblib, so
``with joblib.parallel_config(backend="dask"):`` sends them to a
``dask.distributed`` cluster.
"""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import _fit_context, clone
from sklearn.metrics import check_scoring, roc_auc_score
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import _safe_split

from ._base import KernelTaskClassifier
from .multitask import MTMKClassifier
from .solvers import lam_max

__all__ = ["MTMKClassifierCV", "lam_group_grid", "mtmk_path"]


def lam_group_grid(lam_max, n_lams=20, eps=1e-3):
    """Geometric grid of ``n_lams`` values from ``lam_max`` down to ``eps * lam_max``."""
    if not lam_max > 0:
        raise ValueError(
            f"lam_max={lam_max!r}: the gradient at the intercept-only model is zero, so "
            "every lam_group gives the same (empty) model; check the targets.")
    return lam_max * np.geomspace(1.0, eps, n_lams)


def _solve_path(estimator, gram, tasks, lams):
    """Fits at decreasing ``lams``, each warm-started from the previous one.

    Each value is solved to ``min(tol, lam / 10)``: the certificate is
    absolute, and the grid's small end (``eps * lam_max``) would otherwise sit
    at the size of ``tol`` itself.
    """
    results, start = [], None
    for lam in lams:
        tol = min(estimator.tol, lam / 10) if lam > 0 else estimator.tol
        result = estimator._solve(gram, tasks, float(lam), start, tol=tol)
        start = (result.alpha, result.intercept)
        results.append(result)
    return results


def _grid(lam_groups, eps, gram, tasks, fit_intercept):
    if isinstance(lam_groups, Integral):
        return lam_group_grid(lam_max(gram, tasks.signs, tasks.weights, fit_intercept),
                              lam_groups, eps)
    lams = np.sort(np.asarray(lam_groups, dtype=float))[::-1]
    if lams.size == 0 or not np.all(np.isfinite(lams)) or lams[-1] < 0:
        raise ValueError(f"lam_groups must be non-negative and finite, got {lam_groups!r}.")
    return lams


def mtmk_path(X, y, *, kernels=None, lam_groups=20, eps=1e-3, lam_ridge=0.0,
              sample_weight=None, fit_intercept=True, tol=1e-4, max_iter=2000, n_jobs=None):
    """Fit MTMK along a decreasing grid of ``lam_group`` values with warm starts.

    Parameters
    ----------
    X, y, sample_weight
        As for :meth:`MTMKClassifier.fit`.
    kernels : KernelDictionary, "precomputed" or None
    lam_groups : int or array-like, default=20
        Number of grid points from ``lam_max`` down to ``eps * lam_max``, or
        the values themselves (sorted decreasingly).
    eps : float, default=1e-3
    lam_ridge, fit_intercept, max_iter, n_jobs
        As for :class:`MTMKClassifier`.
    tol : float, default=1e-4
        Solver tolerance; every grid value is solved to ``min(tol, lam / 10)``.

    Returns
    -------
    Bunch with
        lam_groups : ndarray of shape (n_lams,)
        lam_max : float
        kernel_weights : ndarray of shape (n_lams, n_kernels)
        kernel_names : list of str
        objectives, violations : ndarray of shape (n_lams,)
        n_iter : ndarray of shape (n_lams,)
        dual_coef : ndarray of shape (n_lams, n_kernels, n_samples, n_tasks)
        intercepts : ndarray of shape (n_lams, n_tasks)
    """
    estimator = MTMKClassifier(kernels=kernels, lam_ridge=lam_ridge,
                               fit_intercept=fit_intercept, tol=tol, max_iter=max_iter,
                               n_jobs=n_jobs)
    estimator._validate_params()
    X, tasks = estimator._validate_training_data(X, y, sample_weight)
    gram, names, _ = estimator._training_kernels(X, sample_weight)
    top = lam_max(gram, tasks.signs, tasks.weights, fit_intercept)
    lams = _grid(lam_groups, eps, gram, tasks, fit_intercept)
    estimator._check_penalties(lams[-1])
    results = _solve_path(estimator, gram, tasks, lams)
    norms = np.array([r.block_norms for r in results])
    totals = norms.sum(axis=1, keepdims=True)
    return Bunch(
        lam_groups=lams, lam_max=top, kernel_names=names,
        kernel_weights=np.divide(norms, totals, out=np.zeros_like(norms), where=totals > 0),
        objectives=np.array([r.objective for r in results]),
        violations=np.array([r.violation for r in results]),
        n_iter=np.array([r.n_iter for r in results]),
        dual_coef=np.array([r.alpha for r in results]),
        intercepts=np.array([r.intercept for r in results]))


def _folds(cv, X, y, kind):
    """Train / test index pairs.

    An integer ``cv`` gives stratified K-fold for binary and multiclass
    targets and, for multilabel targets, interleaved K-fold (sample i in fold
    i mod K): data ordered by task or label, as multi-task data often are,
    still leave every task samples of both classes in every training part.
    """
    if isinstance(cv, Integral) and kind == "multilabel":
        index = np.arange(X.shape[0])
        return [(index[index % cv != k], index[k::cv]) for k in range(cv)]
    return list(check_cv(cv, y, classifier=kind != "multilabel").split(X, y))


def _masked_task_auc(estimator, X, Y, sample_weight):
    """Mean over tasks of the weighted ROC-AUC on the samples each task observes.

    Tasks whose observed validation samples hold one class only are left out;
    ``nan`` if that leaves none.
    """
    F = estimator.decision_function(X)
    scores = []
    for t in range(Y.shape[1]):
        rows = sample_weight[:, t] > 0
        if np.unique(Y[rows, t]).size == 2:
            scores.append(roc_auc_score(Y[rows, t], F[rows, t],
                                        sample_weight=sample_weight[rows, t]))
    return float(np.mean(scores)) if scores else np.nan


def _fold_scores(estimator, X, y, sample_weight, train, test, lams, scoring):
    """Validation scores of the path fitted on one fold's training part."""
    X_train, y_train = _safe_split(estimator, X, y, train)
    X_test, y_test = _safe_split(estimator, X, y, test, train)
    w_train = None if sample_weight is None else sample_weight[train]
    try:
        X_train, tasks = estimator._validate_training_data(X_train, y_train, w_train)
    except ValueError as error:
        raise ValueError(
            f"The training part of a cross-validation fold is not usable: {error} "
            "If the samples are ordered (e.g. by task or class), pass a shuffled "
            "splitter such as cv=KFold(5, shuffle=True, random_state=0).") from error
    gram, names, dictionary = estimator._training_kernels(X_train, w_train)
    # A per-task mask goes to the scorer, so unobserved labels are never scored.
    masked = {} if sample_weight is None or sample_weight.ndim < 2 else \
        {"sample_weight": sample_weight[test]}
    scorer = (_masked_task_auc if masked and scoring == "roc_auc"
              else check_scoring(estimator, scoring=scoring))
    scores = []
    for result in _solve_path(estimator, gram, tasks, lams):
        estimator._set_solution(result, tasks, names, dictionary, gram)
        scores.append(scorer(estimator, X_test, y_test, **masked))
    return np.array(scores)


class MTMKClassifierCV(MTMKClassifier):
    """MTMK with ``lam_group`` chosen by cross-validation along a warm-started path.

    The grid is computed once on the whole training set (from its exact
    ``lam_max``); every fold fits the whole path with warm starts; the value
    with the best mean validation score is refitted on all the data (largest
    value on ties: the sparser model).  Folds run in parallel through joblib.

    Parameters
    ----------
    kernels : KernelDictionary, "precomputed" or None, default=None
    lam_groups : int or array-like, default=20
        Number of grid values from ``lam_max`` to ``eps * lam_max``, or the values.
    eps : float, default=1e-3
        Ratio of the smallest to the largest grid value.
    lam_ridge : float, default=0.0
    cv : int, cross-validation generator or iterable, default=5
        An integer gives stratified K-fold for binary and multiclass targets
        and interleaved K-fold (sample i in fold i mod K) for multilabel ones,
        so that rows ordered by task or label still split evenly.
    scoring : str or callable, default=None
        The estimator's ``score`` (accuracy; subset accuracy for multilabel;
        with a per-task ``sample_weight`` of shape (n_samples, n_tasks), the
        mean per-task accuracy on the samples each task observes).  With such a
        mask, ``"roc_auc"`` is the mean per-task ROC-AUC on the observed
        samples, a callable receives the mask as ``sample_weight``, and other
        strings are refused.
    fit_intercept, solver, max_iter, verbose
        As for :class:`MTMKClassifier`.
    tol : float, default=1e-4
        Solver tolerance; every grid value is solved to ``min(tol, lam / 10)``.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib; the backend is the user's choice).

    Attributes
    ----------
    lam_groups_ : ndarray of shape (n_lams,)
        The grid, decreasing.
    cv_scores_ : ndarray of shape (n_folds, n_lams)
    lam_group_ : float
        The chosen value.
    Everything :class:`MTMKClassifier` exposes (``kernel_weights_``, ...).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from mtmk import KernelDictionary, MTMKClassifierCV
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MTMKClassifierCV(kernels=KernelDictionary(rbf=3), lam_groups=5, cv=3).fit(X, y)
    >>> clf.cv_scores_.shape
    (3, 5)
    """

    _parameter_constraints = {
        **KernelTaskClassifier._parameter_constraints,
        "lam_groups": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "eps": [Interval(Real, 0, 1, closed="neither")],
        "lam_ridge": [Interval(Real, 0, None, closed="left")],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", "bcd", "cvxpy"})],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
    }

    # The path runs the group penalty only (its solver warm-starts).
    _lplq = False

    def __init__(self, kernels=None, lam_groups=20, eps=1e-3, lam_ridge=0.0, cv=5,
                 scoring=None, fit_intercept=True, solver="auto", tol=1e-4, max_iter=2000,
                 n_jobs=None, verbose=0):
        self.kernels = kernels
        self.lam_groups = lam_groups
        self.eps = eps
        self.lam_ridge = lam_ridge
        self.cv = cv
        self.scoring = scoring
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _single(self):
        """A plain MTMKClassifier with this estimator's settings (the fold engine)."""
        return MTMKClassifier(kernels=self.kernels, lam_ridge=self.lam_ridge,
                              fit_intercept=self.fit_intercept, solver=self.solver,
                              tol=self.tol, max_iter=self.max_iter, verbose=self.verbose)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Choose ``lam_group`` by cross-validation, then refit on all the data.

        Parameters
        ----------
        X, y, sample_weight
            As for :meth:`MTMKClassifier.fit`.

        Returns
        -------
        self : MTMKClassifierCV
        """
        X, tasks = self._validate_training_data(X, y, sample_weight)
        if (isinstance(self.scoring, str) and self.scoring != "roc_auc"
                and np.ndim(sample_weight) == 2):
            raise ValueError(
                f"scoring={self.scoring!r} cannot take a per-task sample_weight of shape "
                f"{np.shape(sample_weight)}: scikit-learn's metrics would score the labels "
                "a task does not observe. Use scoring=None (mean per-task accuracy on the "
                "observed samples), 'roc_auc' (mean per-task ROC-AUC on them) or a "
                "callable scorer(estimator, X, y, sample_weight) that handles the mask.")
        gram, names, dictionary = self._training_kernels(X, sample_weight)
        lams = _grid(self.lam_groups, self.eps, gram, tasks, self.fit_intercept)
        self._check_penalties(lams[-1])
        y = np.asarray(y)
        folds = _folds(self.cv, X, y, tasks.kind)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        engine = self._single()
        scores = Parallel(n_jobs=self.n_jobs)(
            delayed(_fold_scores)(clone(engine), X, y, weights, train, test, lams, self.scoring)
            for train, test in folds)
        cv_scores = np.array(scores)
        # first maximum = largest lam; nan: a fold where no task could be scored
        best = int(np.nanargmax(np.nanmean(cv_scores, axis=0)))
        result = _solve_path(self, gram, tasks, lams[:best + 1])[-1]
        self.lam_groups_ = lams
        self.cv_scores_ = cv_scores
        self.lam_group_ = float(lams[best])
        self._set_solution(result, tasks, names, dictionary, gram)
        return self
