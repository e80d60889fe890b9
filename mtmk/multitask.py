"""MTMKClassifier: multi-task multi-kernel logistic regression (SPEC section 2)."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import KernelTaskClassifier
from .kernels import GramStack
from .solvers import solve_bcd, solve_cvxpy
from .solvers.lplq import solve_lplq

__all__ = ["MTMKClassifier"]

class MTMKClassifier(KernelTaskClassifier):
    """Multi-task multi-kernel logistic regression with a shared sparse kernel.

    Every label of a multilabel target is a task (a 1-D multiclass target gives
    one-vs-rest tasks, a binary target one task).  Task t's decision function
    is ``f_t(x) = b_t + sum_m sum_i alpha[m, i, t] k_m(x_i, x)``, fitted by
    minimising

        sum_t mean-weighted logistic loss of task t
        + lam_group * sum_m sqrt(sum_t ||f_tm||_H^2)
        + lam_ridge * sum_m sum_t ||f_tm||_H^2 .

    The group term switches whole kernels off for all tasks at once, so the
    selected kernels (``kernel_weights_``) are shared while the coefficients
    are task-specific.  ``lam_ridge = 0`` is the paper's "L1" variant,
    ``lam_group = 0`` its "L2" variant, both positive its "mix".

    Parameters
    ----------
    kernels : KernelDictionary, "precomputed" or None, default=None
        Candidate kernels.  ``None`` uses ``KernelDictionary()`` (7 RBF widths
        around the median heuristic, linear, polynomial of degree 2 and 3).
        With ``"precomputed"``, ``X`` is a stack of Gram matrices of shape
        ``(n_samples, n_samples, n_kernels)`` in ``fit`` and
        ``(n_samples_test, n_samples_train, n_kernels)`` afterwards.
    lam_group : float, default=1e-3
        Strength of the group (kernel-selecting) penalty.
    lam_ridge : float, default=0.0
        Strength of the squared RKHS-norm penalty.  At least one of the two
        penalties must be positive.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per task.
    solver : {"auto", "bcd", "cvxpy"}, default="auto"
        ``"bcd"`` (also ``"auto"``) is the fast block coordinate proximal
        gradient solver; ``"cvxpy"`` the exact conic reference (small problems).
    tol : float, default=1e-4
        Stop when the optimality violation (largest KKT residual, in the units
        of the per-task mean loss's gradient) is below tol.  It is absolute, so
        keep it well below ``lam_group`` (a warning says so when it is not).
    max_iter : int, default=2000
        Maximum number of sweeps over the kernels.
    warm_start : bool, default=False
        Start from the previous solution when refitting on data of the same
        shape.
    n_jobs : int, default=None
        Threads used to compute the kernel matrices.
    verbose : int, default=0
        Print solver progress every ``verbose`` sweeps.
    penalty : {"group", "lplq"}, default="group"
        ``"lplq"`` replaces the group term by the lp-lq multi-task MKL
        penalty of Rakotomamonjy et al. (2011),
        ``lam_group * sum_m (sum_t ||f_tm||^q)^(p/q)``, solved by
        :func:`mtmk.solvers.lplq.solve_lplq` (exact Gram matrices; O(T n^3)
        per alternation).  ``p=1, q=2`` is the group penalty itself.  Needs
        ``lam_group > 0`` and ``lam_ridge = 0``; ``solver="cvxpy"`` and
        ``warm_start`` do not apply to it.
    p : float in (0, 1], default=1.0
        Exponent over kernels of ``penalty="lplq"`` (p < 1: sparser, not convex).
    q : float in [1, 2], default=2.0
        Exponent over tasks of ``penalty="lplq"`` (q = 1 decouples the tasks).

    Attributes
    ----------
    classes_ : ndarray
        Class labels (binary or multiclass targets) or ``arange(n_tasks)``
        (multilabel targets).
    n_tasks_ : int
        Number of tasks.
    kernel_weights_ : ndarray of shape (n_kernels,)
        Shared kernel weights on the simplex, proportional to the block norms
        ``sqrt(sum_t ||f_tm||^2)`` (all zero if every kernel was dropped).
    kernel_names_ : list of str
        Names of the candidate kernels.
    dual_coef_ : ndarray of shape (n_kernels, n_samples_fit, n_tasks)
        Coefficients ``alpha``.
    intercept_ : ndarray of shape (n_tasks,)
    kernel_dictionary_ : KernelDictionary
        The fitted dictionary (absent with precomputed kernels).
    objective_ : float
        Objective value at the solution.
    optimality_violation_ : float
        Largest KKT violation at the solution (the convergence certificate).
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
        **KernelTaskClassifier._parameter_constraints,
        "lam_group": [Interval(Real, 0, None, closed="left")],
        "lam_ridge": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", "bcd", "cvxpy"})],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "penalty": [StrOptions({"group", "lplq"})],
        "p": [Interval(Real, 0, 1, closed="right")],
        "q": [Interval(Real, 1, 2, closed="both")],
    }

    def __init__(self, kernels=None, lam_group=1e-3, lam_ridge=0.0, fit_intercept=True,
                 solver="auto", tol=1e-4, max_iter=2000, warm_start=False, n_jobs=None,
                 verbose=0, penalty="group", p=1.0, q=2.0):
        self.kernels = kernels
        self.lam_group = lam_group
        self.lam_ridge = lam_ridge
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.penalty = penalty
        self.p = p
        self.q = q

    # ----------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the shared kernel combination and the task coefficients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs, or with ``kernels="precomputed"`` a stack of Gram
            matrices of shape (n_samples, n_samples, n_kernels).
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
        self._check_penalties(self.lam_group)
        if not self._lplq and self.solver != "cvxpy" and 0 < self.lam_group <= self.tol:
            # The certificate is absolute: a residual as large as the penalty
            # leaves the kernel selection at lam_group essentially unresolved.
            warnings.warn(
                f"tol={self.tol:g} is not smaller than lam_group={self.lam_group:g}: the "
                "solver may stop far from the optimum at this lam_group. Use "
                f"tol <= lam_group / 10 (here {self.lam_group / 10:g}).", UserWarning)
        X, tasks = self._validate_training_data(X, y, sample_weight)
        # the lp-lq solver needs exact Gram matrices
        gram, names, dictionary = self._training_kernels(X, sample_weight, exact=self._lplq)
        start = None
        if (self.warm_start and hasattr(self, "dual_coef_")
                and self.dual_coef_.shape == (gram.n_kernels, X.shape[0], tasks.signs.shape[1])):
            start = (self.dual_coef_, self.intercept_)
        result = self._solve(gram, tasks, float(self.lam_group), start)
        # Every fitted attribute is set only once the solver has returned, so a
        # failed fit leaves no partial state behind.
        self._set_solution(result, tasks, names, dictionary, gram)
        return self

    def _check_penalties(self, lam_group):
        if lam_group == 0 and self.lam_ridge == 0:
            raise ValueError(
                "lam_group and lam_ridge are both 0: the logistic loss alone has no "
                "minimiser on separable data. Set lam_group > 0 (kernel selection) "
                "or lam_ridge > 0.")
        if self._lplq and (lam_group == 0 or self.lam_ridge != 0 or self.solver == "cvxpy"):
            raise ValueError("penalty='lplq' needs lam_group > 0, lam_ridge = 0 and "
                             "solver in {'auto', 'bcd'} (lam_group is its lam).")

    @property
    def _lplq(self):
        return self.penalty == "lplq"

    def _solve(self, gram, tasks, lam_group, start=None, tol=None):
        """Run the chosen solver at ``lam_group`` (warm ``start`` = (alpha, b)).

        ``tol=None`` means the estimator's own ``tol``.
        """
        tol = self.tol if tol is None else tol
        options = dict(lam_group=lam_group, lam_ridge=float(self.lam_ridge),
                       fit_intercept=self.fit_intercept, tol=tol)
        if self._lplq:
            return solve_lplq(gram, tasks.signs, tasks.weights, p=self.p, q=self.q,
                              lam=lam_group, fit_intercept=self.fit_intercept,
                              tol=tol, max_iter=self.max_iter, verbose=self.verbose)
        if self.solver == "cvxpy":
            return solve_cvxpy(gram, tasks.signs, tasks.weights, **options)
        alpha0, intercept0 = start if start is not None else (None, None)
        return solve_bcd(gram, tasks.signs, tasks.weights, max_iter=self.max_iter,
                         alpha0=alpha0, intercept0=intercept0, verbose=self.verbose,
                         **options)

    def _set_solution(self, result, tasks, names, dictionary, gram):
        self._set_model(tasks, names, dictionary, result.alpha, result.intercept,
                        prediction_coef=None if isinstance(gram, GramStack) else
                        [gram.prediction_coef(m, result.alpha[m]) for m in range(gram.n_kernels)])
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
                w, U = np.linalg.eigh(K)
                keep = w > 1e-10 * max(w[-1], 1e-300)
                blocks.append(C @ (U[:, keep] / np.sqrt(w[keep])))
        return np.hstack([np.sqrt(self.kernel_weights_[m]) * B for m, B in zip(active, blocks)])
