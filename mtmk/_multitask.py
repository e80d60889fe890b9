"""Multi-task multi-kernel estimators: a shared sparse combination of kernels.

:class:`MTMKClassifier` and :class:`MTMKRegressor` preset a datafit and a
penalty of the engine in :mod:`mtmk.solvers` by name, or take them as
objects, and fit every task (label or output) at once through
:func:`mtmk._fit.fit_kernel_model`.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import KernelTaskClassifier, KernelTaskModel, KernelTaskRegressor
from ._distributed import is_dask_collection
from ._fit import SOLVERS, check_penalty, fit_kernel_model
from ._sklearn_compat import HasMethods, Interval, StrOptions, _fit_context
from .solvers import (
    GroupPenalty,
    Huber,
    Logistic,
    LpLqPenalty,
    Quadratic,
    SquaredHinge,
    TaskGroupPenalty,
    lam_max,
)
from .solvers._contract import LAM_MAX, check_contract
from .solvers._operators import psd_factor

# Loss names -> datafit factories, called with the estimator's parameters as
# keywords (by mtmk_path with none: a loss's own parameters then take defaults).
CLASSIFICATION_LOSSES = {"logistic": lambda **params: Logistic(),
                         "squared_hinge": lambda **params: SquaredHinge()}
REGRESSION_LOSSES = {"squared_error": lambda **params: Quadratic(),
                     "huber": lambda epsilon, **params: Huber(epsilon)}
# What the solvers call on a datafit or penalty object (see mtmk.solvers).
DATAFIT_METHODS = ["value", "difference", "gradient", "hessian_diagonal", "initial_intercept"]
PENALTY_METHODS = ["value", "kernel_norms", "level", "violation", "prox_scale"]


def target_scale(Y, W, datafit):
    """The scale of the targets: 1 for signs, else the root mean square deviation.

    For regression datafits, ``sqrt(mean_t sum_i W_it (Y_it - m_t)^2)`` with
    ``m_t`` the weighted mean of output t (each column of ``W`` sums to 1);
    1 if the targets are constant.

    Parameters
    ----------
    Y, W : ndarray of shape (n_samples, n_tasks)
    datafit : datafit object

    Returns
    -------
    float
    """
    if getattr(datafit, "classification", False):
        return 1.0
    deviation = Y - np.sum(W * Y, axis=0)
    scale = float(np.sqrt(np.mean(np.sum(W * deviation ** 2, axis=0))))
    return scale if scale > 0 else 1.0


def training_lam_max(kernels, Y, W, datafit, penalty, fit_intercept=True):
    """Exact ``lam_max`` of the training data, on a kernel operator or on row blocks.

    Row blocks held elsewhere (an object with ``map`` and ``ranks``, see
    :func:`~mtmk.solvers.solve_rows`) send back ``Phi_m^T R`` for their rows
    at the intercept-only model; their sum over blocks gives the task norms of
    each kernel's gradient, as :func:`~mtmk.solvers.lam_max` computes them
    from the whole operator.

    Parameters
    ----------
    kernels : GramStack, FactorStack or row blocks
    Y, W : ndarray of shape (n_samples, n_tasks)
        Targets and normalised weights, as for :func:`~mtmk._fit.fit_kernel_model`.
    datafit, penalty
        The datafit and penalty (its level is ignored).
    fit_intercept : bool, default=True

    Returns
    -------
    float
    """
    if not hasattr(kernels, "map"):
        return lam_max(kernels, Y, W, datafit, penalty, fit_intercept)
    check_contract(LAM_MAX, datafit, penalty)
    n_kernels = len(kernels.ranks)
    b = datafit.initial_intercept(Y, W) if fit_intercept else np.zeros(Y.shape[1])
    kernels.map("start", [None] * n_kernels, b)
    parts = [products for products, _ in kernels.map("gradients", list(range(n_kernels)))]
    norms = [np.sqrt(np.sum(np.square(sum(p[m] for p in parts)), axis=0))
             for m in range(n_kernels)]
    return float(max((penalty.dual_norm(m, g) for m, g in enumerate(norms)), default=0.0))


#: Training rows up to which ``lam_group="auto"`` is its measured fraction of
#: ``lam_max`` (the real sets it was chosen on had 150 to 300 rows).
AUTO_ROWS = 300


def auto_fraction(fraction, n_rows):
    """The fraction of ``lam_max`` that ``lam_group="auto"`` takes on ``n_rows`` rows.

    ``fraction`` up to :data:`AUTO_ROWS` rows, then ``fraction * sqrt(AUTO_ROWS /
    n_rows)``: the noise a penalty has to hold back shrinks as ``1 / sqrt(n)``
    (the group lasso's level is of order ``sigma sqrt(log M / n)``, Lounici,
    Pontil, van de Geer & Tsybakov, Annals of Statistics 2011), while
    ``lam_max`` measures the signal and does not shrink; a constant fraction
    underfits large data sets (40,000 flights: R^2 0.897 at 0.1 ``lam_max``,
    0.972 at 0.0087, see the user guide).
    """
    return fraction * min(1.0, float(np.sqrt(AUTO_ROWS / max(n_rows, 1))))


class _MTMKModel:
    """Fitting shared by the MTMK estimators: the problem in, the fitted model out."""

    _parameter_constraints = {
        **KernelTaskModel._parameter_constraints,
        "penalty": [StrOptions({"group", "task", "lplq"}), HasMethods(PENALTY_METHODS)],
        "lam_group": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "lam_ridge": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "p": [Interval(Real, 0, 1, closed="right")],
        "q": [Interval(Real, 1, 2, closed="both")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions(set(SOLVERS))],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def _datafit(self):
        """The datafit: built from the loss name, or the datafit object itself."""
        if isinstance(self.loss, str):
            return self._losses[self.loss](**self.get_params(deep=False))
        kind = getattr(self.loss, "classification", None)
        if not isinstance(kind, bool):
            raise ValueError(
                f"loss={self.loss!r} has no boolean 'classification' attribute; a datafit "
                "object says whether its targets are signs (True) or real values (False).")
        if kind != is_classifier(self):
            raise ValueError(
                f"loss={self.loss!r} is a {'classification' if kind else 'regression'} "
                f"datafit and {type(self).__name__} needs a "
                f"{'regression' if kind else 'classification'} one: pass one of "
                f"{sorted(self._losses)} or a datafit with classification="
                f"{not kind}.")
        return self.loss

    def _auto(self):
        """Whether ``lam_group="auto"`` applies (a penalty object keeps its own level)."""
        if not (isinstance(self.lam_group, str) and isinstance(self.penalty, str)):
            return False
        if self.penalty == "lplq" and self.p < 1:
            raise ValueError(
                f"lam_group='auto' is a fraction of lam_max, and penalty='lplq' with p={self.p} "
                "< 1 has none (the penalty is not convex: the zero model stays a local "
                "minimum at every level). Pass a number, e.g. lam_group=1e-3, or set p=1.")
        return True

    def _penalty(self, lam_group, target_scale=1.0):
        """The penalty: the named one at ``lam_group``, or the penalty object itself.

        ``lam_ridge="auto"`` is ``lam_group / (2 target_scale)``: the mix
        ``l1_ratio = 0.5`` of the CV estimators on targets of unit scale, and a
        model that follows the targets' units; 0 for the lp-lq penalty, which
        has no ridge term.
        """
        if not isinstance(self.penalty, str):
            return self.penalty
        auto_ridge = isinstance(self.lam_ridge, str)
        if self.penalty == "lplq":
            if lam_group == 0 or not (auto_ridge or self.lam_ridge == 0):
                raise ValueError("penalty='lplq' needs lam_group > 0 and lam_ridge = 0 "
                                 "(lam_group is its lam).")
            return LpLqPenalty(lam_group, p=self.p, q=self.q)
        kind = GroupPenalty if self.penalty == "group" else TaskGroupPenalty
        return kind(lam_group, lam_group / (2 * target_scale) if auto_ridge else self.lam_ridge)

    def _problem(self):
        """The arguments of :func:`~mtmk._fit.fit_kernel_model` besides kernels and targets.

        Levels set to ``"auto"`` stand at placeholders (``lam_group = 1``,
        targets of unit scale) until :meth:`_on_data` computes them from the
        training data.
        """
        start = None
        if self.warm_start and hasattr(self, "intercept_"):
            coef = self.dual_coef_ if hasattr(self, "dual_coef_") else self.feature_coef_
            start = (coef, self.intercept_)
        self._auto()  # refuses "auto" where it has no meaning, before any work on the data
        lam_group = 1.0 if isinstance(self.lam_group, str) else self.lam_group
        return dict(datafit=self._datafit(), penalty=self._penalty(float(lam_group)),
                    solver=self.solver, fit_intercept=self.fit_intercept, tol=self.tol,
                    max_iter=self.max_iter, start=start, verbose=self.verbose)

    def _on_data(self, problem, kernels, targets):
        """``problem`` with the levels set to ``"auto"`` computed from the training data.

        ``lam_group="auto"``: :func:`auto_fraction` of ``lam_max``; ``lam_ridge="auto"``
        (see :meth:`_penalty`): scaled by :func:`target_scale`.
        """
        auto_group = self._auto()
        if not (auto_group or (isinstance(self.penalty, str) and isinstance(self.lam_ridge, str))):
            return problem
        lam = self.lam_group
        if auto_group:
            top = training_lam_max(kernels, targets.values, targets.weights,
                                   problem["datafit"], problem["penalty"], self.fit_intercept)
            # lam_max = 0: the intercept-only model is optimal at every level; any one does
            fraction = auto_fraction(self._auto_fraction, targets.values.shape[0])
            lam = fraction * top if top > 0 else 1.0
        return {**problem, "penalty": self._penalty(
            float(lam), target_scale(targets.values, targets.weights, problem["datafit"]))}

    def _fit(self, X, y, sample_weight):
        problem = self._problem()
        check_penalty(problem["penalty"])
        if is_dask_collection(X) or is_dask_collection(y):
            from ._distributed import fit_distributed

            return fit_distributed(self, X, y, sample_weight, problem)
        X, targets = self._validate_training_data(X, y, sample_weight)
        # the lp-lq alternation works on exact Gram matrices
        exact = isinstance(problem["penalty"], LpLqPenalty) and self.solver != "cvxpy"
        operator, names, dictionary = self._training_kernels(X, sample_weight, exact=exact)
        problem = self._on_data(problem, operator, targets)
        result = fit_kernel_model(operator, targets.values, targets.weights, **problem)
        self._set_fitted(result, targets, names, dictionary, problem["penalty"])
        return self

    def _set_fitted(self, result, targets, names, dictionary, penalty=None):
        """Store a solution: every fitted attribute, set once the solver has returned.

        ``penalty``: the one of the fit, whose ``lam`` and ``lam_ridge`` become
        ``lam_group_`` and ``lam_ridge_``.
        """
        for name, attribute in (("lam", "lam_group_"), ("lam_ridge", "lam_ridge_")):
            if getattr(penalty, name, None) is not None:
                setattr(self, attribute, float(getattr(penalty, name)))
        self._set_targets(targets)
        low_rank = result.coef is not None
        stale = "dual_coef_" if low_rank else "feature_coef_"
        if hasattr(self, stale):
            delattr(self, stale)
        if low_rank:  # primal coefficients only: no n x M x T dual ones
            self.feature_coef_ = list(result.coef)
        self._set_model(names, dictionary, None if low_rank else result.alpha, result.intercept,
                        prediction_coef=self.feature_coef_ if low_rank else None)
        total = result.block_norms.sum()
        self.kernel_weights_ = result.block_norms / total if total > 0 else result.block_norms
        self.objective_ = result.objective
        self.optimality_violation_ = result.violation
        self.n_iter_ = result.n_iter

    def embed(self, X):
        """Explicit features of the learned shared kernel ``sum_m eta_m k_m``.

        The CLIP view of MTMK: rows of any modality map into one space where
        inner products approximate the learned kernel,
        ``embed(x) @ embed(z) ~= sum_m kernel_weights_[m] k_m(x, z)``.  Each
        kernel with non-zero weight contributes its Nystroem features
        ``sqrt(eta_m) k_m(x, Z) U_m diag(w_m)^{-1/2}`` (``K_m(Z, Z) = U_m
        diag(w_m) U_m^T``): ``Z`` are the dictionary's landmarks when it is
        low-rank, else all training samples (exact on them; an n x n
        eigendecomposition per active kernel on every call, so prefer a
        low-rank dictionary for large n).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples to embed.

        Returns
        -------
        ndarray of shape (n_samples, n_embedding)
        """
        check_is_fitted(self)
        if self._precomputed:
            raise ValueError(
                "embed needs the kernel functions; with kernels='precomputed' the "
                "fitted model only knows Gram matrices. Fit with a KernelDictionary.")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        active = np.flatnonzero(self.kernel_weights_ > 0)
        if active.size == 0:
            return np.zeros((X.shape[0], 0))
        dictionary = self.kernel_dictionary_
        if dictionary.n_components is not None:
            blocks = dictionary.features(X, kernels=active)
        else:
            K_train = dictionary.gram(kernels=active)
            K_rows = dictionary.gram(X, kernels=active)
            blocks = []
            for K, C in zip(K_train, K_rows):
                U, w = psd_factor(K)
                blocks.append(C @ (U / np.sqrt(w)))
        return np.hstack([np.sqrt(self.kernel_weights_[m]) * B for m, B in zip(active, blocks)])

class MTMKClassifier(_MTMKModel, KernelTaskClassifier):
    """Multi-task multi-kernel classification with a shared sparse kernel combination.

    Every label of a multilabel target is a task (a 1-D multiclass target gives
    one-vs-rest tasks, a binary target one task).  Task t's decision function
    is ``f_t(x) = b_t + sum_m sum_i alpha[m, i, t] k_m(x_i, x)``, fitted by
    minimising

        sum_t mean loss of task t  +  penalty(f)

    with the logistic or squared hinge loss.  The default group penalty
    switches whole kernels off for all tasks at once, so the selected kernels
    (``kernel_weights_``) are shared while the coefficients are task-specific.

    Parameters
    ----------
    kernels : KernelDictionary, "precomputed" or None, default=None
        Candidate kernels.  ``None`` uses ``KernelDictionary()`` (7 RBF widths
        around the median heuristic, linear, polynomial of degree 2 and 3).
        With ``"precomputed"``, ``X`` is a stack of Gram matrices of shape
        ``(n_samples, n_samples, n_kernels)`` in ``fit`` and
        ``(n_samples_test, n_samples_train, n_kernels)`` afterwards.
    loss : {"logistic", "squared_hinge"} or datafit object, default="logistic"
        ``"logistic"``: ``log(1 + exp(-y f))``, probabilities ``sigmoid(f)``.
        ``"squared_hinge"``: ``max(0, 1 - y f)^2``, an L2-SVM; its
        ``predict_proba`` still maps ``f`` through the sigmoid (a score, not a
        calibrated probability).  A datafit object (e.g.
        :class:`mtmk.solvers.Logistic`, or any with its methods and
        ``classification = True``) is used as given.
    penalty : {"group", "task", "lplq"} or penalty object, default="group"
        ``"group"``: ``lam_group * sum_m sqrt(sum_t ||f_tm||^2)``, whole kernels
        switch off for all tasks at once (shared kernel selection).
        ``"task"``: ``lam_group * sum_m sum_t ||f_tm||``, every task selects its
        own kernels (single-task multi-kernel learning, all tasks in one fit).
        ``"lplq"``: the lp-lq multi-task MKL penalty of Rakotomamonjy et al.
        (2011), ``lam_group * sum_m (sum_t ||f_tm||^q)^(p/q)``, solved by
        alternation on exact Gram matrices (O(T n^3) per alternation); needs
        ``lam_ridge = 0``; ``warm_start`` does not apply to it.  A penalty
        object (e.g. ``mtmk.solvers.GroupPenalty(lam, lam_ridge)``, or any with
        its methods) is used at its own ``lam`` and ``lam_ridge``:
        ``lam_group``, ``lam_ridge``, ``p`` and ``q`` are then ignored.
    lam_group : float or "auto", default="auto"
        Strength of the kernel-selecting penalty.  ``"auto"``: 0.03 times the
        exact ``lam_max`` of the training data, the smallest value at which
        every kernel is zero (:func:`mtmk.solvers.lam_max`), so the level
        follows the data; measured on six real classification sets of 150 to
        300 rows, it scored within the cross-validated estimator's intervals
        (see the user guide).  Beyond 300 rows the fraction shrinks as
        ``sqrt(300 / n_samples)``, as the noise a penalty holds back does.
        Refused for ``penalty="lplq"`` with ``p < 1``, which has no
        ``lam_max``.  The value used is ``lam_group_``.
    lam_ridge : float or "auto", default=0.0
        Strength of the squared RKHS-norm penalty ``sum_mt ||f_tm||^2``.  At
        least one of the two penalties must be positive.  ``lam_ridge = 0`` is
        the MTMK paper's "L1" variant, ``lam_group = 0`` its "L2" variant.
        ``"auto"``: ``lam_group_ / 2``, the mix ``l1_ratio = 0.5`` of
        :class:`MTMKClassifierCV` (0 with ``penalty="lplq"``).  In the CV
        estimators' terms, ``lam_group = l1_ratio * lam`` and ``lam_ridge =
        (1 - l1_ratio) * lam / 2``.
    p : float in (0, 1], default=1.0
        Exponent over kernels of ``penalty="lplq"`` (p < 1: sparser, not convex).
    q : float in [1, 2], default=2.0
        Exponent over tasks of ``penalty="lplq"`` (q = 1 decouples the tasks).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per task.
    solver : {"auto", "bcd", "newton", "cvxpy"}, default="auto"
        ``"newton"``: Newton steps on the kernel weights, each a joint kernel
        ridge solve over all kernels (an n x n factorisation per task with exact
        kernels; in the active kernels' features with low-rank ones), wrapped in
        a proximal Newton loop for the classification losses. ``"bcd"``: block
        coordinate proximal gradient, one kernel at a time (cheap sweeps, many
        of them). ``"auto"`` takes Newton for least squares and for one task
        on low-rank kernels, block steps otherwise (also for
        ``penalty="task"`` with several tasks; the lp-lq alternation for
        ``penalty="lplq"``). ``"cvxpy"``:
        the exact conic reference (small problems only).
    tol : float, default=1e-4
        Stop when the optimality certificate falls below ``tol``: the largest
        distance of minus the gradient to the penalty's subdifferential,
        relative to the penalty level (``lam_group + 2 lam_ridge max_m ||f_m||``),
        so its meaning does not depend on the scale of ``lam_group``.
    max_iter : int, default=2000
        Maximum number of sweeps over the kernels.
    warm_start : bool, default=False
        Start from the previous solution when refitting on data of the same
        shape.
    n_jobs : int, default=None
        Threads used to compute the kernel matrices.
    verbose : int, default=0
        Print solver progress every ``verbose`` sweeps.

    Notes
    -----
    Large data: with low-rank kernels (``KernelDictionary(n_components=r)``)
    the fit keeps the n x r Nystroem factors of every kernel (float32 above
    1 GiB, see the dictionary's ``dtype``) and O(n_samples x n_tasks) solver
    state.  To fit on a dask.distributed cluster, start a ``Client`` and pass
    ``X`` as a dask array (or DataFrame) whose chunks hold whole rows: each
    worker computes the features of its rows and the solver exchanges only
    (r x n_tasks) summaries with it; the fitted model predicts on NumPy arrays.

    Attributes
    ----------
    classes_ : ndarray
        Class labels (binary or multiclass targets) or ``arange(n_tasks)``
        (multilabel targets).
    kernel_weights_ : ndarray of shape (n_kernels,)
        Shared kernel weights on the simplex, proportional to the penalty's
        block sizes (``sqrt(sum_t ||f_tm||^2)`` for the group penalty; all zero
        if every kernel was dropped).
    kernel_names_ : list of str
        Names of the candidate kernels.
    n_tasks_ : int
        Number of tasks.
    dual_coef_ : ndarray of shape (n_kernels, n_samples_fit, n_tasks)
        Coefficients ``alpha`` (exact kernels; absent after a low-rank fit).
    feature_coef_ : list of ndarray of shape (r_m, n_tasks)
        Low-rank fits only: the coefficients of each kernel's Nystroem
        features, ``f_t(x) = b_t + sum_m Phi_m(x) @ feature_coef_[m][:, t]``.
    intercept_ : ndarray of shape (n_tasks,)
    kernel_dictionary_ : KernelDictionary
        The fitted dictionary (absent with precomputed kernels).
    lam_group_ : float
        The ``lam_group`` of the fit (``"auto"`` computed; a penalty
        object's ``lam``).
    lam_ridge_ : float
        The ``lam_ridge`` of the fit (``"auto"`` computed; a penalty
        object's ``lam_ridge``).
    objective_ : float
        Objective value at the solution.
    optimality_violation_ : float
        The optimality certificate at the solution (see ``tol``).
    n_iter_ : int
        Solver sweeps.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from mtmk import MTMKClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MTMKClassifier().fit(X, y)
    >>> clf.kernel_weights_.shape
    (10,)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _parameter_constraints = {
        **_MTMKModel._parameter_constraints,
        "loss": [StrOptions(set(CLASSIFICATION_LOSSES)), HasMethods(DATAFIT_METHODS)],
    }
    _losses = CLASSIFICATION_LOSSES
    # lam_group="auto": this fraction of lam_max (measured over real sets, see the user guide)
    _auto_fraction = 0.03

    def __init__(self, *, kernels=None, loss="logistic", penalty="group", lam_group="auto",
                 lam_ridge=0.0, p=1.0, q=2.0, fit_intercept=True, solver="auto", tol=1e-4,
                 max_iter=2000, warm_start=False, n_jobs=None, verbose=0):
        self.kernels = kernels
        self.loss = loss
        self.penalty = penalty
        self.lam_group = lam_group
        self.lam_ridge = lam_ridge
        self.p = p
        self.q = q
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the shared kernel combination and the task coefficients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs, or with ``kernels="precomputed"`` a stack of Gram
            matrices of shape (n_samples, n_samples, n_kernels).  A dask
            array or DataFrame (with low-rank kernels and a running
            ``dask.distributed.Client``) fits on the cluster, rows staying on
            the workers; ``y`` may then be a dask or NumPy array.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Class labels, or a 0/1 multilabel indicator matrix (one task per
            column).
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Non-negative weights; a 0 in column t marks a label not observed
            for task t.

        Returns
        -------
        self : MTMKClassifier
        """
        return self._fit(X, y, sample_weight)


class MTMKRegressor(_MTMKModel, KernelTaskRegressor):
    """Multi-output kernel regression with a shared sparse kernel combination.

    Every output is a task: ``f_t(x) = b_t + sum_m sum_i alpha[m, i, t] k_m(x_i, x)``
    minimises ``sum_t (1/2) mean squared error of output t + penalty(f)``.  The
    default group penalty selects the same few kernels for all outputs
    (``kernel_weights_``, sparse and shared) while each output keeps its own
    coefficients; outputs not observed for a sample get a weight of 0.

    Parameters
    ----------
    kernels : KernelDictionary, "precomputed" or None, default=None
        Candidate kernels.  ``None`` uses ``KernelDictionary()`` (7 RBF widths
        around the median heuristic, linear, polynomial of degree 2 and 3).
        With ``"precomputed"``, ``X`` is a stack of Gram matrices of shape
        ``(n_samples, n_samples, n_kernels)`` in ``fit`` and
        ``(n_samples_test, n_samples_train, n_kernels)`` afterwards.
    loss : {"squared_error", "huber"} or datafit object, default="squared_error"
        ``"squared_error"``: ``(y - f)^2 / 2``.  ``"huber"``: the Huber loss
        of the residual ``r = y - f`` (:class:`~mtmk.solvers.Huber`),
        ``r^2 / 2`` for ``|r| <= epsilon`` and ``epsilon |r| - epsilon^2 / 2``
        beyond, so that a few gross outliers pull the fit far less (block
        steps: not with ``solver="newton"``).  A datafit object (any with the
        methods of :class:`mtmk.solvers.Quadratic` and ``classification =
        False``) is used as given.
    epsilon : float, default=1.35
        The Huber threshold, in the units of the targets: residuals larger
        than ``epsilon`` count linearly.  Unlike scikit-learn's
        ``HuberRegressor``, which measures it in units of a noise scale it
        estimates, no scale is fitted, so standardise the targets (1.35 then
        keeps 95% efficiency for Gaussian noise of unit level) or set it to
        the residual size beyond which a value is an outlier.  Used only
        with ``loss="huber"``.
    penalty : {"group", "task", "lplq"} or penalty object, default="group"
        ``"group"``: ``lam_group * sum_m sqrt(sum_t ||f_tm||^2)``, whole kernels
        switch off for all tasks at once (shared kernel selection).
        ``"task"``: ``lam_group * sum_m sum_t ||f_tm||``, every task selects its
        own kernels (single-task multi-kernel learning, all tasks in one fit).
        ``"lplq"``: the lp-lq multi-task MKL penalty of Rakotomamonjy et al.
        (2011), ``lam_group * sum_m (sum_t ||f_tm||^q)^(p/q)``, solved by
        alternation on exact Gram matrices (O(T n^3) per alternation); needs
        ``lam_ridge`` 0 or ``"auto"``; ``warm_start`` does not apply to it.  A penalty
        object (e.g. ``mtmk.solvers.GroupPenalty(lam, lam_ridge)``, or any with
        its methods) is used at its own ``lam`` and ``lam_ridge``:
        ``lam_group``, ``lam_ridge``, ``p`` and ``q`` are then ignored.
    lam_group : float or "auto", default="auto"
        Strength of the kernel-selecting penalty.  ``"auto"``: 0.1 times the
        exact ``lam_max`` of the training data, the smallest value at which
        every kernel is zero (:func:`mtmk.solvers.lam_max`), so the level
        follows the data and the scale of the targets; beyond 300 rows the
        fraction shrinks as ``sqrt(300 / n_samples)``, as the noise a penalty
        holds back does.  Refused for ``penalty="lplq"`` with ``p < 1``,
        which has no ``lam_max``.  The value used is ``lam_group_``.
    lam_ridge : float or "auto", default="auto"
        Strength of the squared RKHS-norm penalty ``sum_mt ||f_tm||^2``.  At
        least one of the two penalties must be positive.  ``lam_ridge = 0`` is
        the MTMK paper's "L1" variant (the sparsest kernel selection),
        ``lam_group = 0`` its "L2" variant.  ``"auto"``: ``lam_group_ / (2 s)``
        with ``s`` the root mean square deviation of the targets (averaged
        over outputs): on standardised targets the mix ``l1_ratio = 0.5`` of
        :class:`MTMKRegressorCV`, and a fitted model that follows the units of
        the targets (0 with ``penalty="lplq"``).  Measured on three real
        regression sets, this default kept R^2 near 0 on the noisy ones where
        the group penalty alone at ``lam_group=1e-3`` fell to -0.4, and
        scored above it on the other (see the user guide).  The value used is
        ``lam_ridge_``.  In the CV estimators' terms, ``lam_group = l1_ratio *
        lam`` and ``lam_ridge = (1 - l1_ratio) * lam / 2``.
    p : float in (0, 1], default=1.0
        Exponent over kernels of ``penalty="lplq"`` (p < 1: sparser, not convex).
    q : float in [1, 2], default=2.0
        Exponent over tasks of ``penalty="lplq"`` (q = 1 decouples the tasks).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per task.
    solver : {"auto", "bcd", "newton", "cvxpy"}, default="auto"
        ``"newton"``: Newton steps on the kernel weights, each a joint kernel
        ridge solve over all kernels (an n x n factorisation per task with exact
        kernels; in the active kernels' features with low-rank ones), wrapped in
        a proximal Newton loop for the classification losses. ``"bcd"``: block
        coordinate proximal gradient, one kernel at a time (cheap sweeps, many
        of them). ``"auto"`` takes Newton for least squares and for one task
        on low-rank kernels, block steps otherwise (also for
        ``penalty="task"`` with several tasks; the lp-lq alternation for
        ``penalty="lplq"``). ``"cvxpy"``:
        the exact conic reference (small problems only).
    tol : float, default=1e-4
        Stop when the optimality certificate falls below ``tol``: the largest
        distance of minus the gradient to the penalty's subdifferential,
        relative to the penalty level (``lam_group + 2 lam_ridge max_m ||f_m||``),
        so its meaning does not depend on the scale of ``lam_group``.
    max_iter : int, default=2000
        Maximum number of sweeps over the kernels.
    warm_start : bool, default=False
        Start from the previous solution when refitting on data of the same
        shape.
    n_jobs : int, default=None
        Threads used to compute the kernel matrices.
    verbose : int, default=0
        Print solver progress every ``verbose`` sweeps.

    Notes
    -----
    Large data: with low-rank kernels (``KernelDictionary(n_components=r)``)
    the fit keeps the n x r Nystroem factors of every kernel (float32 above
    1 GiB, see the dictionary's ``dtype``) and O(n_samples x n_tasks) solver
    state.  To fit on a dask.distributed cluster, start a ``Client`` and pass
    ``X`` as a dask array (or DataFrame) whose chunks hold whole rows: each
    worker computes the features of its rows and the solver exchanges only
    (r x n_tasks) summaries with it; the fitted model predicts on NumPy arrays.

    Attributes
    ----------
    kernel_weights_ : ndarray of shape (n_kernels,)
        Shared kernel weights on the simplex, proportional to the penalty's
        block sizes (``sqrt(sum_t ||f_tm||^2)`` for the group penalty; all zero
        if every kernel was dropped).
    kernel_names_ : list of str
        Names of the candidate kernels.
    n_tasks_ : int
        Number of tasks.
    dual_coef_ : ndarray of shape (n_kernels, n_samples_fit, n_tasks)
        Coefficients ``alpha`` (exact kernels; absent after a low-rank fit).
    feature_coef_ : list of ndarray of shape (r_m, n_tasks)
        Low-rank fits only: the coefficients of each kernel's Nystroem
        features, ``f_t(x) = b_t + sum_m Phi_m(x) @ feature_coef_[m][:, t]``.
    intercept_ : ndarray of shape (n_tasks,)
    kernel_dictionary_ : KernelDictionary
        The fitted dictionary (absent with precomputed kernels).
    lam_group_ : float
        The ``lam_group`` of the fit (``"auto"`` computed; a penalty
        object's ``lam``).
    lam_ridge_ : float
        The ``lam_ridge`` of the fit (``"auto"`` computed; a penalty
        object's ``lam_ridge``).
    objective_ : float
        Objective value at the solution.
    optimality_violation_ : float
        The optimality certificate at the solution (see ``tol``).
    n_iter_ : int
        Solver sweeps.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    See Also
    --------
    MTMKRegressorCV : ``lam_group`` and the mix ``l1_ratio`` chosen by cross-validation.

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk import KernelDictionary, MTMKRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(80, 3))
    >>> Y = np.column_stack([np.sin(X[:, 0]), X[:, 0] ** 2]) + 0.1 * rng.normal(size=(80, 2))
    >>> reg = MTMKRegressor(lam_group=1e-3).fit(X, Y)
    >>> reg.predict(X).shape
    (80, 2)
    >>> bool(reg.score(X, Y) > 0.8)
    True
    """

    _parameter_constraints = {
        **_MTMKModel._parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES)), HasMethods(DATAFIT_METHODS)],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
    }
    _losses = REGRESSION_LOSSES
    # lam_group="auto": this fraction of lam_max (measured over real sets, see the user guide)
    _auto_fraction = 0.1

    def __init__(self, *, kernels=None, loss="squared_error", epsilon=1.35, penalty="group",
                 lam_group="auto", lam_ridge="auto", p=1.0, q=2.0, fit_intercept=True,
                 solver="auto",
                 tol=1e-4, max_iter=2000, warm_start=False, n_jobs=None, verbose=0):
        self.kernels = kernels
        self.loss = loss
        self.epsilon = epsilon
        self.penalty = penalty
        self.lam_group = lam_group
        self.lam_ridge = lam_ridge
        self.p = p
        self.q = q
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _datafit(self):
        if (isinstance(self.loss, str) and self.loss == "huber"
                and getattr(self, "solver", "auto") == "newton"):
            # its Newton models of the linear pieces are far too flat to converge
            raise ValueError("solver='newton' does not fit loss='huber'; use solver='auto' "
                             "(block steps) or 'cvxpy'.")
        return super()._datafit()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the shared kernel combination and the output coefficients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs, or with ``kernels="precomputed"`` a stack of Gram
            matrices of shape (n_samples, n_samples, n_kernels).  A dask
            array or DataFrame (with low-rank kernels and a running
            ``dask.distributed.Client``) fits on the cluster, rows staying on
            the workers; ``y`` may then be a dask or NumPy array.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Real targets, one task per output column.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Non-negative weights; a 0 in column t marks an output not observed
            for that sample.

        Returns
        -------
        self : MTMKRegressor
        """
        return self._fit(X, y, sample_weight)
