"""MTMKClassifier: multi-task multi-kernel logistic regression (SPEC section 2)."""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._targets import encode_tasks
from .kernels import GramStack, KernelDictionary, check_gram_stack
from .solvers import solve_bcd, solve_cvxpy

__all__ = ["MTMKClassifier"]

# Test-vs-train kernel blocks are computed in row chunks of at most this size.
_PREDICT_CHUNK_BYTES = 256 * 2**20


class MTMKClassifier(ClassifierMixin, BaseEstimator):
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
        Stop when the optimality violation (largest KKT residual) is below tol.
    max_iter : int, default=2000
        Maximum number of sweeps over the kernels.
    warm_start : bool, default=False
        Start from the previous solution when refitting on data of the same
        shape.
    n_jobs : int, default=None
        Threads used to compute the kernel matrices.
    verbose : int, default=0
        Print solver progress every ``verbose`` sweeps.

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
        "kernels": [KernelDictionary, StrOptions({"precomputed"}), None],
        "lam_group": [Interval(Real, 0, None, closed="left")],
        "lam_ridge": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", "bcd", "cvxpy"})],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(self, kernels=None, lam_group=1e-3, lam_ridge=0.0, fit_intercept=True,
                 solver="auto", tol=1e-4, max_iter=2000, warm_start=False, n_jobs=None,
                 verbose=0):
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

    @property
    def _precomputed(self):
        return isinstance(self.kernels, str) and self.kernels == "precomputed"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.input_tags.pairwise = self._precomputed
        tags.input_tags.three_d_array = self._precomputed
        return tags

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
        if not np.isfinite(self.lam_group) or not np.isfinite(self.lam_ridge):
            raise ValueError("lam_group and lam_ridge must be finite.")
        if self.lam_group == 0 and self.lam_ridge == 0:
            raise ValueError(
                "lam_group and lam_ridge are both 0: the logistic loss alone has no "
                "minimiser on separable data. Set lam_group > 0 (kernel selection) "
                "or lam_ridge > 0.")
        X, y = validate_data(self, X, y, multi_output=True, dtype=np.float64,
                             allow_nd=self._precomputed, ensure_min_samples=2)
        tasks = encode_tasks(y, sample_weight)
        if self._precomputed:
            gram = GramStack(self._gram_from_precomputed(X, train=True))
            names = [f"kernel{m}" for m in range(gram.n_kernels)]
        else:
            dictionary = clone(self.kernels) if self.kernels is not None else KernelDictionary()
            row_weight = None
            if sample_weight is not None:
                row_weight = np.asarray(sample_weight, dtype=float)
                row_weight = row_weight.sum(axis=1) if row_weight.ndim == 2 else row_weight
            dictionary.fit(X, sample_weight=row_weight)
            gram = dictionary.training_kernels(n_jobs=self.n_jobs)
            names = list(dictionary.names_)

        alpha0 = intercept0 = None
        if (self.warm_start and hasattr(self, "dual_coef_")
                and self.dual_coef_.shape == (gram.n_kernels, X.shape[0], tasks.signs.shape[1])):
            alpha0, intercept0 = self.dual_coef_, self.intercept_

        options = dict(lam_group=float(self.lam_group), lam_ridge=float(self.lam_ridge),
                       fit_intercept=self.fit_intercept, tol=self.tol)
        if self.solver == "cvxpy":
            result = solve_cvxpy(gram, tasks.signs, tasks.weights, **options)
        else:
            result = solve_bcd(gram, tasks.signs, tasks.weights, max_iter=self.max_iter,
                               alpha0=alpha0, intercept0=intercept0,
                               verbose=self.verbose, **options)

        # Every fitted attribute is set only once the solver has returned, so a
        # failed fit leaves no partial state behind.
        if not self._precomputed:
            self.kernel_dictionary_ = dictionary
        self.classes_ = tasks.classes
        self._target_kind = tasks.kind
        self.n_tasks_ = tasks.signs.shape[1]
        self.kernel_names_ = names
        self.dual_coef_ = result.alpha
        # What multiplies test blocks: alpha itself (exact) or Phi^T alpha (low rank).
        self._prediction_coef = [gram.prediction_coef(m, result.alpha[m])
                                 for m in range(gram.n_kernels)]
        self.intercept_ = result.intercept
        total = result.block_norms.sum()
        self.kernel_weights_ = result.block_norms / total if total > 0 else result.block_norms
        self.objective_ = result.objective
        self.optimality_violation_ = result.violation
        self.n_iter_ = result.n_iter
        return self

    def _gram_from_precomputed(self, X, train):
        """(n_rows, n_train, M) or (n_rows, n_train) -> (M, n_rows, n_train)."""
        if X.ndim == 2:
            X = X[:, :, None]
        if X.ndim != 3:
            raise ValueError(
                "With kernels='precomputed', X must be a Gram stack of shape "
                f"(n_samples, n_samples_fit, n_kernels); got {X.ndim} dimensions.")
        K = np.ascontiguousarray(np.moveaxis(X, 2, 0))
        if train:
            check_gram_stack(K)
        return K

    # ------------------------------------------------------------- predict
    def decision_function(self, X):
        """Task decision values ``f_t(x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Or, with precomputed kernels, (n_samples, n_samples_fit, n_kernels).

        Returns
        -------
        ndarray of shape (n_samples,) for a binary target, else (n_samples, n_tasks)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64,
                          allow_nd=self._precomputed)
        active = np.flatnonzero(self.kernel_weights_ > 0)
        n_train = self.dual_coef_.shape[1]
        F = np.tile(self.intercept_, (X.shape[0], 1))
        if self._precomputed:
            K = self._gram_from_precomputed(X, train=False)
            if K.shape[0] != len(self.kernel_names_) or K.shape[2] != n_train:
                raise ValueError(
                    f"Precomputed test kernels must have shape (n_samples, {n_train}, "
                    f"{len(self.kernel_names_)}); got {X.shape}.")
            for m in active:
                F += K[m] @ self.dual_coef_[m]
        elif active.size:
            width = self._prediction_coef[active[0]].shape[0]
            rows = max(1, _PREDICT_CHUNK_BYTES // (8 * max(width, n_train // 4) * (active.size + 2)))
            for start in range(0, X.shape[0], rows):
                chunk = slice(start, start + rows)
                blocks = self.kernel_dictionary_.test_blocks(X[chunk], active, n_jobs=self.n_jobs)
                for block, m in zip(blocks, active):
                    F[chunk] += block @ self._prediction_coef[m]
        return F[:, 0] if self._target_kind == "binary" else F

    def predict_proba(self, X):
        """Probability estimates.

        Binary targets: columns for ``classes_``.  Multiclass: the one-vs-rest
        probabilities normalised to sum to 1.  Multilabel: column t is
        ``P(y_t = 1 | x) = sigmoid(f_t(x))``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes) or (n_samples, n_tasks)
        """
        P = expit(self.decision_function(X))
        if self._target_kind == "binary":
            return np.column_stack([1.0 - P, P])
        if self._target_kind == "multiclass":
            total = P.sum(axis=1, keepdims=True)
            return np.where(total > 0, P / np.where(total > 0, total, 1.0), 1.0 / P.shape[1])
        return P

    def predict(self, X):
        """Predicted labels: class labels, or a 0/1 indicator matrix (multilabel)."""
        F = self.decision_function(X)
        if self._target_kind == "binary":
            return self.classes_[(F > 0).astype(int)]
        if self._target_kind == "multiclass":
            return self.classes_[np.argmax(F, axis=1)]
        return (F > 0).astype(int)
