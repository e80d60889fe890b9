"""Regularisation paths with warm starts, and the cross-validated MTMK estimators.

The path runs from ``lam_max`` -- the smallest ``lam_group`` at which every
kernel is zero, computed exactly from the gradient at the intercept-only model
-- down a geometric grid, each fit starting from the previous solution.  The
CV estimators cross-validate the strength ``lam`` together with the mix
``l1_ratio`` of the group and ridge terms, each mix on its own path from its
own ``lam_max``.  Cross-validation folds run through joblib, so
``with joblib.parallel_config(backend="dask"):`` sends them to a
``dask.distributed`` cluster.
"""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import check_scoring, roc_auc_score
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch
from sklearn.utils.validation import check_array

from ._base import KernelTaskModel, precomputed_operator, training_kernels
from ._fit import fit_kernel_path
from ._kernels import KernelDictionary
from ._loo import loo_scores, path_loo_predictions
from ._multitask import CLASSIFICATION_LOSSES, REGRESSION_LOSSES, MTMKClassifier, MTMKRegressor
from ._sklearn_compat import Interval, StrOptions, _fit_context, _safe_split, validate_params
from ._targets import _object_labels, encode_outputs, encode_tasks
from .solvers import GroupPenalty, Quadratic, TaskGroupPenalty, lam_max


@validate_params(
    {"lam_max": [Interval(Real, 0, None, closed="neither")],
     "n_lams": [Interval(Integral, 1, None, closed="left")],
     "eps": [Interval(Real, 0, 1, closed="neither")]},
    prefer_skip_nested_validation=True)
def lam_group_grid(lam_max, n_lams=20, eps=1e-3):
    """Geometric grid of ``n_lams`` values from ``lam_max`` down to ``eps * lam_max``.

    Parameters
    ----------
    lam_max : float > 0
        Largest value, e.g. :func:`mtmk.solvers.lam_max`.
    n_lams : int, default=20
        Number of values.
    eps : float in (0, 1), default=1e-3
        Ratio of the smallest to the largest value.

    Returns
    -------
    ndarray of shape (n_lams,)

    Examples
    --------
    >>> from mtmk import lam_group_grid
    >>> lam_group_grid(1.0, n_lams=3, eps=0.01)
    array([1.  , 0.1 , 0.01])
    """
    return lam_max * np.geomspace(1.0, eps, n_lams)


def _checked_lam_max(top):
    """``lam_max``, refused when it is 0 (no grid can start from it)."""
    if not top > 0:
        raise ValueError(
            "Every kernel's gradient is zero at the intercept-only model (lam_max = 0), "
            "so every lam_group gives that same model and there is no grid to choose "
            "from: the kernels are constant on the training data (e.g. every feature "
            "is constant) or the targets carry no signal. Drop the constant features, "
            "or pass explicit lam_groups values to fit the intercept-only model.")
    return top


def _given_values(values, name, positive):
    """``values`` as a decreasing 1-D array, refused unless finite and non-negative (positive)."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        array = np.array([np.nan])
    array = np.sort(array.ravel())[::-1]
    kind = "positive" if positive else "non-negative"
    if (array.size == 0 or not np.all(np.isfinite(array))
            or not (array[-1] > 0 if positive else array[-1] >= 0)):
        raise ValueError(f"{name} must be {kind} and finite: a number of grid values (an "
                         f"integer >= 1) or a non-empty list of values; got {values!r}.")
    return array


def _grid(lam_groups, eps, operator, targets, datafit, penalty, fit_intercept):
    """The decreasing grid: ``lam_groups`` values below the exact ``lam_max``, or the values."""
    if isinstance(lam_groups, Integral):
        top = lam_max(operator, targets.values, targets.weights, datafit, penalty, fit_intercept)
        return lam_group_grid(_checked_lam_max(top), lam_groups, eps)
    return _given_values(lam_groups, "lam_groups", positive=False)


def _penalty(kind, lam_ridge):
    return (GroupPenalty if kind == "group" else TaskGroupPenalty)(0.0, lam_ridge)


class _Mix:
    """The penalties of one mix along a path, as scikit-learn's ElasticNet mixes its terms.

    At strength ``lam``: ``lam * (l1_ratio * sum_m ||f_m|| + (1 - l1_ratio) / 2 *
    sum_m ||f_m||^2)``, i.e. ``lam_group = l1_ratio * lam`` and ``lam_ridge =
    (1 - l1_ratio) * lam / 2``.  :func:`~mtmk._fit.fit_kernel_path` asks
    ``with_lam(lam)`` for each level.
    """

    def __init__(self, kind, l1_ratio):
        self._kind = GroupPenalty if kind == "group" else TaskGroupPenalty
        self.l1_ratio = float(l1_ratio)

    def __repr__(self):
        return f"_Mix({self._kind.__name__}, l1_ratio={self.l1_ratio:g})"

    def with_lam(self, lam):
        return self._kind(self.l1_ratio * lam, (1.0 - self.l1_ratio) * lam / 2)


@validate_params(
    {"X": ["array-like"],
     "y": ["array-like"],
     "kernels": [KernelDictionary, StrOptions({"precomputed"}), None],
     "loss": [StrOptions(set(CLASSIFICATION_LOSSES) | set(REGRESSION_LOSSES))],
     "penalty": [StrOptions({"group", "task"})],
     "lam_groups": [Interval(Integral, 1, None, closed="left"), "array-like"],
     "eps": [Interval(Real, 0, 1, closed="neither")],
     "lam_ridge": [Interval(Real, 0, None, closed="left")],
     "sample_weight": ["array-like", None],
     "fit_intercept": ["boolean"],
     "tol": [Interval(Real, 0, None, closed="neither")],
     "max_iter": [Interval(Integral, 1, None, closed="left")],
     "n_jobs": [Integral, None]},
    prefer_skip_nested_validation=True)
def mtmk_path(X, y, *, kernels=None, loss="logistic", penalty="group", lam_groups=20, eps=1e-3,
              lam_ridge=0.0, sample_weight=None, fit_intercept=True, tol=1e-4, max_iter=2000,
              n_jobs=None):
    """Fit MTMK along a decreasing grid of ``lam_group`` values with warm starts.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Or, with ``kernels="precomputed"``, a Gram stack (n_samples, n_samples, n_kernels).
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        Class labels or a multilabel indicator (classification losses), or
        real outputs (``loss="squared_error"``).
    kernels : KernelDictionary, "precomputed" or None, default=None
        Candidate kernels, as for :class:`MTMKClassifier`.
    loss : {"logistic", "squared_hinge", "squared_error"}, default="logistic"
    penalty : {"group", "task"}, default="group"
    lam_groups : int or array-like, default=20
        Number of grid points from ``lam_max`` down to ``eps * lam_max``, or
        the values themselves (sorted decreasingly).
    eps : float in (0, 1), default=1e-3
        Ratio of the smallest to the largest grid value.
    lam_ridge : float, default=0.0
        Strength of the squared RKHS-norm penalty.
    sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
        Sample weights; a 2-D array with zeros marks labels a task does not observe.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per task.
    tol : float, default=1e-4
        Scale-free certificate at which each grid value stops (see
        :class:`MTMKClassifier`).
    max_iter : int, default=2000
        Maximum number of sweeps per grid value.
    n_jobs : int, default=None
        Threads used to compute the kernel matrices.

    Returns
    -------
    Bunch with
        lam_groups : ndarray of shape (n_lams,)
        lam_max : float
        kernel_weights : ndarray of shape (n_lams, n_kernels)
        kernel_names : list of str
        objectives, violations : ndarray of shape (n_lams,)
        n_iter : ndarray of shape (n_lams,)
        dual_coef : ndarray of shape (n_lams, n_kernels, n_samples, n_tasks) or None
        feature_coef : list (per grid value) of lists of ndarray of shape (r_m, n_tasks) or None
        intercepts : ndarray of shape (n_lams, n_tasks)

    ``dual_coef`` is set with exact kernels, ``feature_coef`` (the
    coefficients of each kernel's Nystroem features) with low-rank ones.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from mtmk import KernelDictionary, mtmk_path
    >>> X, y = load_iris(return_X_y=True)
    >>> path = mtmk_path(X, y, kernels=KernelDictionary(rbf=3), lam_groups=4)
    >>> path.kernel_weights.shape
    (4, 6)
    """
    precomputed = isinstance(kernels, str)
    X = check_array(X, dtype=np.float64, allow_nd=precomputed, ensure_min_samples=2)
    y = np.asarray(y)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} samples but y has {y.shape[0]}.")
    datafit = {**CLASSIFICATION_LOSSES, **REGRESSION_LOSSES}[loss]()
    targets = (encode_tasks(y, sample_weight) if datafit.classification
               else encode_outputs(y, sample_weight))
    if precomputed:
        operator, names = precomputed_operator(X)
    else:
        operator, names, _ = training_kernels(kernels, X, sample_weight, n_jobs)
    base = _penalty(penalty, lam_ridge)
    top = lam_max(operator, targets.values, targets.weights, datafit, base, fit_intercept)
    lams = _grid(lam_groups, eps, operator, targets, datafit, base, fit_intercept)
    if lams[-1] == 0 and lam_ridge == 0:
        raise ValueError("lam_groups contains 0 and lam_ridge is 0 (both 0: no unique "
                         "minimiser). Set lam_ridge > 0 or keep every lam_group positive.")
    results = fit_kernel_path(operator, targets.values, targets.weights, datafit, base, lams,
                              fit_intercept=fit_intercept, tol=tol, max_iter=max_iter)
    low_rank = results[0].coef is not None
    norms = np.array([r.block_norms for r in results])
    totals = norms.sum(axis=1, keepdims=True)
    return Bunch(
        lam_groups=lams, lam_max=top, kernel_names=names,
        kernel_weights=np.divide(norms, totals, out=np.zeros_like(norms), where=totals > 0),
        objectives=np.array([r.objective for r in results]),
        violations=np.array([r.violation for r in results]),
        n_iter=np.array([r.n_iter for r in results]),
        dual_coef=None if low_rank else np.array([r.alpha for r in results]),
        feature_coef=[r.coef for r in results] if low_rank else None,
        intercepts=np.array([r.intercept for r in results]))


def _folds(cv, X, y, kind):
    """Train / test index pairs.

    An integer ``cv`` gives stratified K-fold for binary and multiclass
    targets, K-fold for regression and, for multilabel targets, interleaved K-fold (sample i in fold
    i mod K): data ordered by task or label, as multi-task data often are,
    still leave every task samples of both classes in every training part.
    """
    if isinstance(cv, Integral) and kind == "multilabel":
        index = np.arange(X.shape[0])
        return [(index[index % cv != k], index[k::cv]) for k in range(cv)]
    return list(check_cv(cv, y, classifier=kind in ("binary", "multiclass")).split(X, y))


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


def _fold_scores(estimator, X, y, sample_weight, train, test, scoring, path):
    """Validation scores of the path fitted on one fold's training part.

    ``path`` holds the arguments of :func:`~mtmk._fit.fit_kernel_path` besides
    the kernels and targets.
    """
    X_train, y_train = _safe_split(estimator, X, y, train)
    X_test, y_test = _safe_split(estimator, X, y, test, train)
    w_train = None if sample_weight is None else sample_weight[train]
    try:
        X_train, targets = estimator._validate_training_data(X_train, y_train, w_train)
    except ValueError as error:
        raise ValueError(
            f"The training part of a cross-validation fold is not usable: {error} "
            "If the samples are ordered (e.g. by task or class), pass a shuffled "
            "splitter such as cv=KFold(5, shuffle=True, random_state=0).") from error
    operator, names, dictionary = estimator._training_kernels(X_train, w_train)
    # A per-task mask goes to the scorer, so unobserved labels are never scored.
    masked = {} if sample_weight is None or sample_weight.ndim < 2 else \
        {"sample_weight": sample_weight[test]}
    scorer = (_masked_task_auc if masked and scoring == "roc_auc"
              else check_scoring(estimator, scoring=scoring))
    scores = []
    for result in fit_kernel_path(operator, targets.values, targets.weights, **path):
        estimator._set_fitted(result, targets, names, dictionary)
        scores.append(scorer(estimator, X_test, y_test, **masked))
    return np.array(scores)


class _MTMKCV:
    """Cross-validation of ``(l1_ratio, lam)`` on warm-started paths (the CV estimators)."""

    _parameter_constraints = {
        **KernelTaskModel._parameter_constraints,
        "penalty": [StrOptions({"group", "task"})],
        "lam_groups": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "eps": [Interval(Real, 0, 1, closed="neither")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "fit_intercept": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
    }

    def _single(self):
        """The plain estimator with this one's settings (the fold engine)."""
        params = {k: v for k, v in self.get_params(deep=False).items()
                  if k not in ("lam_groups", "eps", "l1_ratio", "cv", "scoring", "n_jobs")}
        return self._single_class(**params)

    def _l1_ratios(self):
        """The mixes as a non-empty 1-D array of values in [0, 1]."""
        try:
            ratios = np.asarray(self.l1_ratio, dtype=float)
        except (TypeError, ValueError):
            ratios = np.array([np.nan])
        if ratios.ndim > 1 or ratios.size == 0 or not np.all((ratios >= 0) & (ratios <= 1)):
            raise ValueError("l1_ratio must be a float in [0, 1] or a non-empty list of such "
                             f"floats; got {self.l1_ratio!r}.")
        return np.atleast_1d(ratios)

    def _grids(self, top, ratios):
        """One decreasing grid of ``lam`` per mix, shape (n_l1_ratios, n_lams).

        An integer ``lam_groups`` starts each mix's grid at its own ``lam_max``:
        ``top`` (the group penalty's) divided by ``l1_ratio``, where every
        kernel is zero.
        """
        if not isinstance(self.lam_groups, Integral):
            lams = _given_values(self.lam_groups, "lam_groups", positive=True)
            return np.tile(lams, (ratios.size, 1))
        if np.any(ratios == 0):
            raise ValueError(
                "l1_ratio = 0 (the ridge term alone) has no lam_max, the level at which "
                "every kernel is zero, to start an integer grid of lam_groups from. Pass "
                "the values themselves (lam_groups=[...]) or l1_ratio values above 0.")
        top = _checked_lam_max(top)
        return np.array([lam_group_grid(top / r, self.lam_groups, self.eps) for r in ratios])

    def _path_scores(self, X, y, weights, folds, path):
        """Validation scores of one path on every fold, shape (n_folds, n_lams)."""
        engine = self._single()
        return np.array(Parallel(n_jobs=self.n_jobs)(
            delayed(_fold_scores)(clone(engine), X, y, weights, train, test, self.scoring, path)
            for train, test in folds))

    def _fit_cv(self, X, y, targets, sample_weight, kind):
        if (isinstance(self.scoring, str) and self.scoring != "roc_auc"
                and np.ndim(sample_weight) == 2 and kind != "regression"):
            raise ValueError(
                f"scoring={self.scoring!r} cannot take a per-task sample_weight of shape "
                f"{np.shape(sample_weight)}: scikit-learn's metrics would score the labels "
                "a task does not observe. Use scoring=None (mean per-task accuracy on the "
                "observed samples), 'roc_auc' (mean per-task ROC-AUC on them) or a "
                "callable scorer(estimator, X, y, sample_weight) that handles the mask.")
        ratios = self._l1_ratios()
        operator, names, dictionary = self._training_kernels(X, sample_weight)
        datafit = self._datafit()
        top = lam_max(operator, targets.values, targets.weights, datafit,
                      _penalty(self.penalty, 0.0), self.fit_intercept)
        grids = self._grids(top, ratios)
        paths = [dict(datafit=datafit, penalty=_Mix(self.penalty, r), lams=lams,
                      fit_intercept=self.fit_intercept, tol=self.tol, max_iter=self.max_iter)
                 for r, lams in zip(ratios, grids)]
        y = _object_labels(np.asarray(y))
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if self.cv is None and kind == "regression" and isinstance(datafit, Quadratic):
            # leave-one-out in closed form, each mix on one path on all the data
            fitted = [fit_kernel_path(operator, targets.values, targets.weights, **path)
                      for path in paths]
            cv_scores = np.stack([loo_scores(path_loo_predictions(
                operator, targets.values, targets.weights, path["penalty"], path["lams"],
                results, self.fit_intercept), y, weights, self.scoring)[None, :]
                for path, results in zip(paths, fitted)], axis=1)
        else:
            folds = _folds(self.cv, X, y, kind)
            cv_scores = np.stack([self._path_scores(X, y, weights, folds, path)
                                  for path in paths], axis=1)
            fitted = None
        # first maximum: the first mix given, then the largest lam; nan: a fold where no
        # task could be scored
        mean = np.nanmean(cv_scores, axis=0)
        i, j = np.unravel_index(int(np.nanargmax(mean)), mean.shape)
        result = fitted[i][j] if fitted is not None else fit_kernel_path(
            operator, targets.values, targets.weights, **{**paths[i], "lams": grids[i, :j + 1]})[-1]
        single = np.ndim(self.l1_ratio) == 0
        self.lam_max_ = top
        self.lam_groups_ = grids[0] if single else grids
        self.cv_scores_ = cv_scores[:, 0] if single else cv_scores
        self.l1_ratio_ = float(ratios[i])
        self.lam_group_ = float(self.l1_ratio_ * grids[i, j])
        self.lam_ridge_ = float((1.0 - self.l1_ratio_) * grids[i, j] / 2)
        self._set_fitted(result, targets, names, dictionary)
        return self


class MTMKClassifierCV(_MTMKCV, MTMKClassifier):
    """MTMK classification with the penalty chosen by cross-validation along a path.

    The penalty mixes the group and ridge terms as scikit-learn's
    :class:`~sklearn.linear_model.ElasticNet` mixes its two:

        lam * (l1_ratio * sum_m ||f_m|| + (1 - l1_ratio) / 2 * sum_m ||f_m||^2),

    i.e. ``lam_group = l1_ratio * lam`` and ``lam_ridge = (1 - l1_ratio) *
    lam / 2`` of :class:`MTMKClassifier`.  For every mix the grid of ``lam``
    starts at that mix's exact ``lam_max`` on the whole training set (the
    group penalty's divided by ``l1_ratio``), where every kernel is zero; every
    fold fits each mix's whole path with warm starts; the ``(l1_ratio, lam)``
    pair with the best mean validation score is refitted on all the data
    (on ties, the first mix given and the largest ``lam``: the sparser
    model).  Folds run in parallel through joblib.

    Parameters
    ----------
    kernels : KernelDictionary, "precomputed" or None, default=None
        Candidate kernels, as for :class:`MTMKClassifier`.
    loss : {"logistic", "squared_hinge"}, default="logistic"
        As for :class:`MTMKClassifier`.
    penalty : {"group", "task"}, default="group"
        The kernel-selecting term, as for :class:`MTMKClassifier`.
    lam_groups : int or array-like, default=20
        Number of grid values of ``lam`` from each mix's ``lam_max`` down to
        ``eps`` times it, or the values themselves (positive; the same for
        every mix).  At ``l1_ratio = 1`` they are values of ``lam_group``.
    eps : float in (0, 1), default=1e-3
        Ratio of the smallest to the largest grid value.
    l1_ratio : float in [0, 1] or array-like of them, default=1.0
        The mix: 1 is the group penalty alone (sparse kernel selection), 0
        the ridge alone (every kernel kept; it has no ``lam_max``, so it
        needs explicit ``lam_groups`` values).  A list cross-validates every
        mix in it, each on its own path (see the user guide's measurements).
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
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per task.
    tol : float, default=1e-4
        The optimality certificate every grid value is solved to (see
        :class:`MTMKClassifier`).
    max_iter : int, default=2000
        Maximum number of solver sweeps per grid value.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib; the backend is the user's choice).
    verbose : int, default=0
        Print solver progress every ``verbose`` sweeps.

    Attributes
    ----------
    lam_max_ : float
        The exact ``lam_max`` of the group term on the training data: the
        smallest ``lam_group`` at which every kernel is zero.
    lam_groups_ : ndarray of shape (n_lams,) or (n_l1_ratios, n_lams)
        The grid of ``lam``, decreasing; one row per mix when ``l1_ratio`` is
        a list.
    cv_scores_ : ndarray of shape (n_folds, n_lams) or (n_folds, n_l1_ratios, n_lams)
        Validation scores, with a mix axis when ``l1_ratio`` is a list.
    l1_ratio_ : float
        The chosen mix.
    lam_group_ : float
        The chosen ``l1_ratio_ * lam``.
    lam_ridge_ : float
        The chosen ``(1 - l1_ratio_) * lam / 2``.
    Everything :class:`MTMKClassifier` exposes (``kernel_weights_``, ...).

    See Also
    --------
    MTMKClassifier : One fit at given (or data-adapted) levels.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from mtmk import KernelDictionary, MTMKClassifierCV
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MTMKClassifierCV(kernels=KernelDictionary(rbf=3), lam_groups=5, cv=3).fit(X, y)
    >>> clf.cv_scores_.shape
    (3, 5)
    >>> mix = MTMKClassifierCV(kernels=KernelDictionary(rbf=3), lam_groups=5, cv=3,
    ...                        l1_ratio=[0.5, 1.0]).fit(X, y)
    >>> mix.cv_scores_.shape, mix.l1_ratio_ in (0.5, 1.0)
    ((3, 2, 5), True)
    """

    _parameter_constraints = {
        **_MTMKCV._parameter_constraints,
        "loss": [StrOptions(set(CLASSIFICATION_LOSSES))],
    }
    _single_class = MTMKClassifier

    def __init__(self, *, kernels=None, loss="logistic", penalty="group", lam_groups=20,
                 eps=1e-3, l1_ratio=1.0, cv=5, scoring=None, fit_intercept=True, tol=1e-4,
                 max_iter=2000, n_jobs=None, verbose=0):
        self.kernels = kernels
        self.loss = loss
        self.penalty = penalty
        self.lam_groups = lam_groups
        self.eps = eps
        self.l1_ratio = l1_ratio
        self.cv = cv
        self.scoring = scoring
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose

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
        return self._fit_cv(X, y, tasks, sample_weight, tasks.kind)


class MTMKRegressorCV(_MTMKCV, MTMKRegressor):
    """MTMK regression with the penalty chosen by cross-validation along a path.

    As :class:`MTMKClassifierCV`, for :class:`MTMKRegressor`: the mix
    ``l1_ratio`` and the strength ``lam`` of

        lam * (l1_ratio * sum_m ||f_m|| + (1 - l1_ratio) / 2 * sum_m ||f_m||^2)

    are chosen together, each mix on its own warm-started path from its
    ``lam_max``.  By default the mixes 0.5 and 1 are both tried.  With least
    squares the default (``cv=None``) scores each path by leave-one-out in
    closed form on all the data, so the choice costs about one path per mix.

    Parameters
    ----------
    kernels : KernelDictionary, "precomputed" or None, default=None
        Candidate kernels, as for :class:`MTMKRegressor`.
    loss : {"squared_error", "huber"}, default="squared_error"
        As for :class:`MTMKRegressor`.
    epsilon : float, default=1.35
        The Huber threshold in target units, as for :class:`MTMKRegressor`.
    penalty : {"group", "task"}, default="group"
        The kernel-selecting term, as for :class:`MTMKRegressor`.
    lam_groups : int or array-like, default=20
        Number of grid values of ``lam`` from each mix's ``lam_max`` down to
        ``eps`` times it, or the values themselves (positive; the same for
        every mix).  At ``l1_ratio = 1`` they are values of ``lam_group``.
    eps : float in (0, 1), default=1e-3
        Ratio of the smallest to the largest grid value.
    l1_ratio : float in [0, 1] or array-like of them, default=(0.5, 1.0)
        The mixes cross-validated, as for :class:`MTMKClassifierCV`: ``(0.5,
        1.0)`` scored at least as well as the group penalty alone on every
        regression set of the user guide.  As in ElasticNet, the balance
        between the two terms depends on the scale of the targets.
    cv : None, int, cross-validation generator or iterable, default=None
        ``None``: with ``loss="squared_error"``, efficient leave-one-out along
        one path per mix on all the data: at each value, the leave-one-out
        residuals of the kernel ridge fit at that value's kernel weights, in
        closed form (the kernel weights held fixed, as
        :class:`~sklearn.linear_model.RidgeCV` holds its features); with
        ``loss="huber"`` (no closed form) 5-fold cross-validation.  An integer
        gives K-fold.
    scoring : str or callable, default=None
        The estimator's ``score`` (R^2; with a per-output ``sample_weight`` of
        shape (n_samples, n_outputs), the mean per-output R^2 on the observed
        samples).  With leave-one-out, the score of the leave-one-out
        predictions of all the training rows; a scorer then receives an
        estimator whose ``predict`` returns those predictions.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per output.
    tol : float, default=1e-4
        The optimality certificate every grid value is solved to (see
        :class:`MTMKRegressor`).
    max_iter : int, default=2000
        Maximum number of solver steps per grid value.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib; the backend is the user's choice).
    verbose : int, default=0
        Print solver progress every ``verbose`` steps.

    Attributes
    ----------
    lam_max_ : float
        The exact ``lam_max`` of the group term on the training data.
    lam_groups_ : ndarray of shape (n_lams,) or (n_l1_ratios, n_lams)
        The grid of ``lam``, decreasing; one row per mix when ``l1_ratio`` is
        a list (as by default).
    cv_scores_ : ndarray of shape (n_folds, n_lams) or (n_folds, n_l1_ratios, n_lams)
        Validation scores, with a mix axis when ``l1_ratio`` is a list; with
        leave-one-out ``n_folds`` is 1: the score of the leave-one-out
        predictions.
    l1_ratio_ : float
        The chosen mix.
    lam_group_ : float
        The chosen ``l1_ratio_ * lam``.
    lam_ridge_ : float
        The chosen ``(1 - l1_ratio_) * lam / 2``.
    Everything :class:`MTMKRegressor` exposes (``kernel_weights_``, ...).

    See Also
    --------
    MTMKRegressor : One fit at given (or data-adapted) levels.

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk import KernelDictionary, MTMKRegressorCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=60)
    >>> reg = MTMKRegressorCV(kernels=KernelDictionary(rbf=3), lam_groups=4).fit(X, y)
    >>> reg.cv_scores_.shape                # leave-one-out x mixes (0.5, 1) x grid values
    (1, 2, 4)
    >>> reg.l1_ratio_ in (0.5, 1.0)
    True
    >>> MTMKRegressorCV(kernels=KernelDictionary(rbf=3), lam_groups=4, cv=3).fit(
    ...     X, y).cv_scores_.shape           # folds x mixes x grid values
    (3, 2, 4)
    """

    _parameter_constraints = {
        **_MTMKCV._parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
        "epsilon": MTMKRegressor._parameter_constraints["epsilon"],
    }
    _single_class = MTMKRegressor

    def __init__(self, *, kernels=None, loss="squared_error", epsilon=1.35, penalty="group",
                 lam_groups=20, eps=1e-3, l1_ratio=(0.5, 1.0), cv=None, scoring=None,
                 fit_intercept=True, tol=1e-4, max_iter=2000, n_jobs=None, verbose=0):
        self.kernels = kernels
        self.loss = loss
        self.epsilon = epsilon
        self.penalty = penalty
        self.lam_groups = lam_groups
        self.eps = eps
        self.l1_ratio = l1_ratio
        self.cv = cv
        self.scoring = scoring
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Choose ``lam_group`` by leave-one-out or cross-validation, fit on all the data.

        Parameters
        ----------
        X, y, sample_weight
            As for :meth:`MTMKRegressor.fit`.

        Returns
        -------
        self : MTMKRegressorCV
        """
        X, outputs = self._validate_training_data(X, y, sample_weight)
        return self._fit_cv(X, y, outputs, sample_weight, "regression")
