"""Candidate kernels: the dictionary from which MTMK learns a sparse combination.

A :class:`KernelDictionary` is fitted on the training inputs.  It fixes the data
dependent parameters (median-heuristic RBF widths, polynomial scale,
normalisation constants), names every kernel, and computes Gram stacks of shape
``(n_kernels, n_rows, n_train)``: once for training and as test-vs-train blocks
for prediction.  Before allocating it estimates the memory it will need and
refuses requests that would not fit.
"""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from scipy.spatial.distance import cdist
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from ._memory import available_memory, format_bytes
from ._sklearn_compat import Interval, StrOptions, _check_sample_weight
from ._validation import check_gram_stack, check_scale
from .solvers._operators import FactorStack, GramStack, psd_factor

_BYTES = np.dtype(np.float64).itemsize

#: Rows of the kernel blocks computed at once for Nystroem features: a block of
#: FEATURE_ROWS x n_components stays in cache from the kernel to its projection.
FEATURE_ROWS = 512


def _squared_distances(A, B):
    """Squared Euclidean distances through one matrix product, clipped at 0."""
    D = A @ B.T
    D *= -2.0
    D += np.einsum("ij,ij->i", A, A)[:, None]
    D += np.einsum("ij,ij->i", B, B)[None, :]
    np.maximum(D, 0.0, out=D)
    return D


def _shared_blocks(recipes, A, B):
    """The distance matrices (or products) of ``A`` and ``B`` that every kernel of a
    family on all features reads: computed once for the family, not once per kernel."""
    whole = [s.family for s in recipes if s.columns is None]
    shared = {}
    if "rbf" in whole:
        shared["rbf"] = _squared_distances(A, B)
    if "laplacian" in whole:
        shared["laplacian"] = cdist(A, B, "cityblock")
    if "linear" in whole or "polynomial" in whole:
        shared["dot"] = A @ B.T
    return shared


def _median_width(X, weights, metric="sqeuclidean", size=1000):
    """Median heuristic: 1 / weighted median of the positive pairwise distances.

    A pair (i, j), i < j, weighs ``w_i w_j``, so a sample of weight 2 counts
    like a repeated sample and weight 0 like a removed one.  Above ``size``
    samples a fixed, weight-proportional subsample of ``size`` rows is used.
    """
    keep = weights > 0
    if not keep.any():
        return 1.0
    # Only ratios matter; a largest weight of 1 keeps w_i w_j finite.
    X, weights = X[keep], weights[keep] / weights[keep].max()
    rows = _width_rows(weights, size)
    if rows is not None:
        X, weights = X[rows], np.ones(size)
    D = _squared_distances(X, X) if metric == "sqeuclidean" else cdist(X, X, metric)
    i, j = np.triu_indices(X.shape[0], 1)
    d, pair_weight = D[i, j], weights[i] * weights[j]
    positive = d > 1e-12 * max(d.max(initial=0.0), 1e-300)
    if not positive.any():
        return 1.0
    d, pair_weight = d[positive], pair_weight[positive]
    if np.all(pair_weight == pair_weight[0]):
        # Equal weights: a partition finds the (lower) median without sorting.
        return 1.0 / float(np.partition(d, (d.size - 1) // 2)[(d.size - 1) // 2])
    order = np.argsort(d, kind="stable")
    cumulative = np.cumsum(pair_weight[order])
    return 1.0 / float(d[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])


def _width_rows(weights, size=1000):
    """The fixed, weight-proportional rows of the median heuristic (None: all rows)."""
    if weights.shape[0] <= size:
        return None
    rng = np.random.default_rng(0)
    return np.sort(rng.choice(weights.shape[0], size, replace=False, p=weights / weights.sum()))


def median_gamma(X, sample_weight=None):
    """Median-heuristic RBF width: one over the median squared distance of pairs.

    ``gamma = 1 / median_{i<j} ||x_i - x_j||^2``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Inputs.
    sample_weight : array-like of shape (n_samples,), default=None
        A sample of weight k counts like k repeated samples.

    Returns
    -------
    float
    """
    X = check_scale(check_array(X, dtype=np.float64))
    weights = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
    return _median_width(X, weights)


def _polynomial_degrees(polynomial):
    """The degrees of ``polynomial`` as ints: a flat sequence of integers >= 1 (or one)."""
    degrees = np.atleast_1d(np.asarray(polynomial, dtype=object))
    if degrees.ndim > 1 or not all(
            isinstance(d, (Integral, np.integer)) and not isinstance(d, (bool, np.bool_))
            and d >= 1 for d in degrees):
        raise ValueError(
            f"polynomial must hold integer degrees >= 1 in a flat sequence, one degree "
            f"per polynomial kernel, got {polynomial!r}: pass e.g. polynomial=(2, 3), or () "
            "for no polynomial kernel.")
    return [int(d) for d in degrees]


def _inverse_sqrt(d):
    """1 / sqrt(d) where d > 0, else 0."""
    out = np.zeros_like(d, dtype=float)
    np.divide(1.0, np.sqrt(d), out=out, where=d > 0)
    return out


class _Recipe:
    """One kernel: a family, its parameters, the columns it reads, a name."""

    def __init__(self, family, name, columns=None, gamma=None, degree=None,
                 coef0=None, function=None):
        self.family = family
        self.name = name
        self.columns = columns
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.function = function

    def diagonal(self, A):
        """k(a, a) for every row a of A (used by unit-diagonal normalisation)."""
        if self.family in ("rbf", "laplacian"):
            return np.ones(A.shape[0])
        sq = np.einsum("ij,ij->i", A, A)
        if self.family == "linear":
            return sq
        if self.family == "polynomial":
            return (self.gamma * sq + self.coef0) ** self.degree
        return np.array([float(np.asarray(self.function(a[None], a[None]))[0, 0]) for a in A])


class KernelDictionary(BaseEstimator):
    """A dictionary of candidate kernels computed once and reused.

    Parameters
    ----------
    rbf : int or array-like of float, default=7
        Gaussian kernels ``exp(-gamma ||x - z||^2)``.  An integer asks for that
        many widths on the grid ``gamma_0 * 10**linspace(-1, 1, rbf)`` around the
        median heuristic ``gamma_0 = 1 / median ||x_i - x_j||^2``; an array gives
        the gammas.  All widths share one distance matrix.
    laplacian : int or array-like of float, default=0
        Laplacian kernels ``exp(-gamma ||x - z||_1)``, gammas chosen like ``rbf``
        around ``1 / median ||x_i - x_j||_1``.
    polynomial : sequence of int, default=(2, 3)
        Degrees of polynomial kernels ``(s <x, z> + 1)^d`` with the data-driven
        scale ``s = 1 / mean ||x||^2``.
    linear : bool, default=True
        Include the linear kernel ``<x, z>``.
    per_feature : {None, "linear", "rbf"}, default=None
        Add one kernel of this family per covariate group (by default one group
        per covariate): the "covariates grow" setting of the theory.  ``None``
        adds none, unless ``feature_groups`` names groups: then one RBF kernel
        per group (median-heuristic width on the group's columns).
    feature_groups : list of sequences of int, dict or None, default=None
        Column groups (e.g. the views of multi-view data, or the columns that
        describe one aspect of a sample).  Their kernels are added to the
        whole-feature kernels above, so the selection can choose between
        them.  A dict maps group names to columns; the names appear in
        ``names_`` (``"rbf[colour]"``).  ``None`` means every single column
        when ``per_feature`` is set.
    callables : sequence of callable, default=()
        User kernels ``k(A, B) -> (len(A), len(B))`` Gram matrices.
    normalize : {"diagonal", "trace"} or None, default="diagonal"
        ``"diagonal"`` rescales to ``k(x, z) / sqrt(k(x, x) k(z, z))`` (unit
        diagonal); ``"trace"`` divides every kernel by its mean training
        diagonal (unit trace per sample); ``None`` leaves kernels as they are.
    n_components : int or None, default=None
        ``None`` computes exact n x n Gram matrices.  An integer r represents
        every kernel by a Nystroem factor ``Phi_m = k_m(X, Z) k_m(Z, Z)^{-1/2}``
        on r landmarks ``Z`` drawn from the training rows and shared by all
        kernels: memory O(n r M) instead of O(n^2 M).
    spectral_energy : float in (0, 1] or None, default=None
        With ``n_components``: keep, per kernel, only the leading eigen-directions
        of ``k_m(Z, Z)`` that carry this fraction of its trace (e.g. 0.999), so
        smooth kernels get fewer features than rough ones (``ranks_``).
        ``None`` keeps every numerically non-zero direction.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of Nystroem landmarks.
    dtype : {"auto", "float64", "float32"}, default="auto"
        Storage of the Nystroem training factors (with ``n_components``).
        ``"float32"`` halves their memory; the block solver converts them to
        float64 512 rows at a time for its products and keeps decision values
        and losses in float64, so the optimality certificate is exact for the
        stored factors,
        which differ from the float64 ones by a relative 6e-8 (far below the
        Nystroem error).  ``"auto"`` uses float32 when the float64 factors
        would take more than 1 GiB, else float64.
    max_memory : int or None, default=None
        Bytes a kernel stack may use; ``None`` means half of
        :func:`available_memory` (which honours ``RLIMIT_AS`` and cgroup
        memory limits).

    Attributes
    ----------
    names_ : list of str
        Readable kernel names, e.g. ``"rbf(gamma=0.0078)"``.
    n_kernels_ : int
        Number of kernels.
    n_features_in_ : int
        Number of covariates seen during ``fit``.
    landmarks_ : ndarray of shape (n_components, n_features)
        Nystroem landmarks (only with ``n_components``).
    ranks_ : list of int
        Number of Nystroem features of each kernel (at most ``n_components``;
        fewer where the landmarks' Gram matrix is numerically singular).

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk import KernelDictionary
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> kd = KernelDictionary(rbf=3, polynomial=(2,)).fit(X)
    >>> kd.names_[-2:]
    ['linear', 'polynomial(degree=2)']
    >>> kd.gram().shape
    (5, 50, 50)
    """

    _parameter_constraints = {
        "rbf": [Interval(Integral, 0, None, closed="left"), "array-like"],
        "laplacian": [Interval(Integral, 0, None, closed="left"), "array-like"],
        "polynomial": ["array-like"],
        "linear": ["boolean"],
        "per_feature": [StrOptions({"linear", "rbf"}), None],
        "feature_groups": [list, dict, None],
        "callables": ["array-like", list, tuple],
        "normalize": [StrOptions({"diagonal", "trace"}), None],
        "max_memory": [Interval(Integral, 1, None, closed="left"), None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "spectral_energy": [Interval(Real, 0, 1, closed="right"), None],
        "random_state": ["random_state"],
        "dtype": [StrOptions({"auto", "float64", "float32"})],
    }

    def __init__(self, rbf=7, laplacian=0, polynomial=(2, 3), linear=True,
                 per_feature=None, feature_groups=None, callables=(),
                 normalize="diagonal", n_components=None, spectral_energy=None,
                 random_state=None, dtype="auto", max_memory=None):
        self.rbf = rbf
        self.laplacian = laplacian
        self.polynomial = polynomial
        self.linear = linear
        self.per_feature = per_feature
        self.feature_groups = feature_groups
        self.callables = callables
        self.normalize = normalize
        self.n_components = n_components
        self.spectral_energy = spectral_energy
        self.random_state = random_state
        self.dtype = dtype
        self.max_memory = max_memory

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None, sample_weight=None):
        """Fix the data-driven kernel parameters on the training inputs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs; kept to compute test-vs-train blocks.
        y : ignored
            Not used; present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the data-driven statistics (median heuristic, polynomial
            scale, trace normalisation): weight k acts like k repeated samples.

        Returns
        -------
        self : KernelDictionary
        """
        self._validate_params()
        self._check_options()
        X = check_scale(check_array(X, dtype=np.float64))
        weights = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        if not weights.max(initial=0.0) > 0:
            raise ValueError("sample_weight must have a positive sum.")
        # The statistics are weighted means and medians, so only ratios of the
        # weights matter; a largest weight of 1 keeps products and sums finite
        # (pair weights w_i w_j of 1e300 overflowed).
        weights = weights / weights.max()
        self.X_fit_ = X
        self.n_features_in_ = X.shape[1]
        self._recipes = self._build_recipes(X, weights)
        if not self._recipes:
            raise ValueError(
                "The kernel dictionary is empty: ask for at least one kernel "
                "(rbf, laplacian, polynomial, linear, per_feature or callables).")
        self.names_ = [s.name for s in self._recipes]
        self.n_kernels_ = len(self._recipes)
        # Normalisation constants come from the training diagonal only, so test
        # blocks are scaled exactly like the training Gram matrices.
        self._train_diag = None
        if self.normalize is not None:
            self._train_diag = [self._checked_diag(s, X) for s in self._recipes]
            self._trace_scale = [max(float(np.average(d, weights=weights)), 1e-300)
                                 for d in self._train_diag]
        self._check_callables(X)
        if self.n_components is not None:
            self._fit_landmarks(X.shape[0], lambda rows: X[rows])
        return self

    def _check_options(self):
        """Checks across parameters that ``_parameter_constraints`` cannot express."""
        _polynomial_degrees(self.polynomial)
        if self.feature_groups is not None:
            if not self.feature_groups:
                raise ValueError(
                    "feature_groups is empty: name at least one group of columns, e.g. "
                    "feature_groups=[[0, 1], [2]], or pass None.")
            for group in self._named_groups(None).values():
                columns = list(np.atleast_1d(np.asarray(group, dtype=object)).ravel())
                if not columns or not all(isinstance(c, (Integral, np.integer))
                                          and not isinstance(c, (bool, np.bool_))
                                          for c in columns):
                    raise ValueError(
                        f"feature_groups must be lists of integer column indices; got the "
                        f"group {group!r}. Pass e.g. feature_groups=[[0, 1], [2]].")
        if self.spectral_energy is not None and self.n_components is None:
            raise ValueError(
                f"spectral_energy={self.spectral_energy!r} applies to Nystroem features "
                "only, but n_components is None (exact kernels): set n_components or "
                "leave spectral_energy=None.")

    def _check_callables(self, X):
        """Refuse user kernels that are not symmetric PSD on (part of) the training data.

        The same test as for precomputed Gram stacks (:func:`check_gram_stack`),
        on at most 200 training rows.
        """
        index = [m for m, recipe in enumerate(self._recipes) if recipe.family == "callable"]
        if not index:
            return
        rows = X[:200]
        diag = (None if self._train_diag is None else
                [d[:200] for d in self._train_diag])
        blocks = self.pairwise(rows, rows, index, diag_A=diag, diag_B=diag)
        for k, m in enumerate(index):
            try:
                check_gram_stack(blocks[k:k + 1], name=f"callables kernel {self.names_[m]}")
            except ValueError as exc:
                raise ValueError(
                    f"The user kernel {self.names_[m]!r} (callables) is not a valid kernel "
                    f"on the training data: {exc} A kernel must return symmetric positive "
                    "semi-definite Gram matrices.") from None

    def _fit_from_rows(self, n_rows, n_features, take, mean_sq, mean_diagonal):
        """Fit from a few rows and two statistics, for data that stays where it is.

        Gives the dictionary :meth:`fit` gives on all rows with unit weights
        (the median heuristic and the landmarks read the same rows; the
        polynomial scale and the trace normalisation need only means), but
        keeps no training inputs: ``X_fit_`` is ``None``, so only low-rank
        features of given rows can be computed.

        Parameters
        ----------
        n_rows, n_features : int
        take : callable
            ``take(rows)`` returns the inputs at the sorted row indices ``rows``.
        mean_sq : float
            Mean squared norm of the rows.
        mean_diagonal : callable
            ``mean_diagonal(dictionary)`` returns the mean training diagonal
            of every kernel (only called with ``normalize="trace"``).
        """
        self._validate_params()
        self._check_options()
        if self.n_components is None:
            raise ValueError("Fitting from row samples needs low-rank kernels: set "
                             "n_components (e.g. KernelDictionary(n_components=200)).")
        self.X_fit_ = None
        self.n_features_in_ = n_features
        rows = _width_rows(np.ones(n_rows))
        sample = take(rows) if rows is not None else take(np.arange(n_rows))
        self._recipes = self._build_recipes(sample, np.ones(sample.shape[0]), mean_sq=mean_sq)
        if not self._recipes:
            raise ValueError(
                "The kernel dictionary is empty: ask for at least one kernel "
                "(rbf, laplacian, polynomial, linear, per_feature or callables).")
        self.names_ = [s.name for s in self._recipes]
        self.n_kernels_ = len(self._recipes)
        self._train_diag = None
        if self.normalize == "trace":
            self._trace_scale = [max(float(d), 1e-300) for d in mean_diagonal(self)]
        self._fit_landmarks(n_rows, take)
        return self

    def factor_dtype(self, n_rows):
        """The storage type of the training factors of ``n_rows`` rows (see ``dtype``).

        Parameters
        ----------
        n_rows : int
            Number of training rows.

        Returns
        -------
        numpy.dtype
        """
        if self.dtype != "auto":
            return np.dtype(self.dtype)
        big = self.n_kernels_ * n_rows * (self.n_components or 0) * 8 > 2**30
        return np.dtype(np.float32 if big else np.float64)

    def _build_recipes(self, X, weights, mean_sq=None):
        recipes = []
        rbf_gammas = self._gammas(self.rbf, X, weights, "sqeuclidean")
        recipes += [_Recipe("rbf", f"rbf(gamma={g:.3g})", gamma=g) for g in rbf_gammas]
        lap_gammas = self._gammas(self.laplacian, X, weights, "cityblock")
        recipes += [_Recipe("laplacian", f"laplacian(gamma={g:.3g})", gamma=g) for g in lap_gammas]
        if self.linear:
            recipes.append(_Recipe("linear", "linear"))
        degrees = _polynomial_degrees(self.polynomial)
        if degrees:
            if mean_sq is None:
                mean_sq = float(np.average(np.einsum("ij,ij->i", X, X), weights=weights))
            scale = 1.0 / mean_sq if mean_sq > 0 else 1.0
            recipes += [_Recipe("polynomial", f"polynomial(degree={d})", gamma=scale,
                            degree=d, coef0=1.0) for d in degrees]
        family = self.per_feature
        if family is None and self.feature_groups is not None:
            family = "rbf"
        if family is not None:
            for label, group in self._named_groups(X.shape[1]).items():
                cols = np.asarray(group, dtype=int)
                if cols.size == 0 or cols.min() < 0 or cols.max() >= X.shape[1]:
                    raise ValueError(
                        f"Feature group {list(group)} is empty or names a column "
                        f"outside 0..{X.shape[1] - 1}.")
                if family == "rbf":
                    recipes.append(_Recipe("rbf", f"rbf[{label}]", columns=cols,
                                       gamma=_median_width(X[:, cols], weights)))
                else:
                    recipes.append(_Recipe("linear", f"linear[{label}]", columns=cols))
        for k, function in enumerate(self.callables):
            if not callable(function):
                raise ValueError(f"callables[{k}] is not callable: {function!r}.")
            name = getattr(function, "__name__", f"callable{k}")
            recipes.append(_Recipe("callable", name, function=function))
        return recipes

    def _named_groups(self, n_features):
        """``label -> columns`` of the per-group kernels (``x0,2`` for an unnamed group)."""
        groups = self.feature_groups
        if groups is None:
            groups = [[j] for j in range(n_features)]
        if isinstance(groups, dict):
            return {str(name): group for name, group in groups.items()}
        return {"x" + ",".join(str(c) for c in np.atleast_1d(np.asarray(group, dtype=object))
                               .ravel()): group for group in groups}

    @staticmethod
    def _gammas(request, X, weights, metric):
        if isinstance(request, Integral):
            if request == 0:
                return []
            gamma0 = _median_width(X, weights, metric)
            return [gamma0] if request == 1 else list(gamma0 * 10.0 ** np.linspace(-1, 1, request))
        gammas = [float(g) for g in np.atleast_1d(request)]
        if not all(np.isfinite(g) and g > 0 for g in gammas):
            raise ValueError(f"Kernel widths (gamma) must be positive and finite, got {gammas}.")
        return gammas

    # ----------------------------------------------------------- compute
    @staticmethod
    def _columns(X, recipe):
        return X if recipe.columns is None else X[:, recipe.columns]

    def memory_estimate(self, n_rows, kernels=None):
        """Bytes needed for the kernel blocks of ``n_rows`` samples.

        Exact kernels: ``n_rows x n_train`` per kernel plus two shared distance
        matrices; low-rank kernels: ``n_rows x n_components`` per kernel.

        Parameters
        ----------
        n_rows : int >= 0
            Number of rows of the blocks.
        kernels : sequence of int, default=None
            Indices of the kernels; ``None`` means all.

        Returns
        -------
        int
        """
        check_is_fitted(self, "names_")
        if isinstance(n_rows, (bool, np.bool_)) or not isinstance(n_rows, (Integral, np.integer)) \
                or n_rows < 0:
            raise ValueError(f"n_rows must be a non-negative integer, got {n_rows!r}.")
        n_kernels = self.n_kernels_ if kernels is None else len(kernels)
        return self._bytes(n_rows, self._n_columns(), n_kernels)

    def _n_columns(self):
        return self.X_fit_.shape[0] if self.n_components is None else self.n_components

    @staticmethod
    def _bytes(n_rows, n_cols, n_kernels):
        return (n_kernels + 2) * n_rows * n_cols * _BYTES

    def _check_memory(self, n_rows, n_cols, n_kernels, itemsize=_BYTES, chunked=False):
        """Raise ``ValueError`` if the requested blocks would not fit.

        ``chunked``: blocks computed in row chunks into arrays of ``itemsize``
        bytes per entry (low-rank features), so no temporary of their size.
        """
        need = (n_kernels * n_rows * n_cols * itemsize if chunked
                else self._bytes(n_rows, n_cols, n_kernels))
        limit = self.max_memory if self.max_memory is not None else available_memory() // 2
        if need > limit:
            hint = ("low-rank kernels, e.g. KernelDictionary(n_components=500) "
                    "(Nystroem factors need O(n r M) memory)"
                    if self.n_components is None else "a smaller n_components")
            raise ValueError(
                f"The kernel blocks of {n_kernels} kernels x {n_rows} x {n_cols} need "
                f"about {format_bytes(need)}, more than the {format_bytes(limit)} "
                f"allowed (max_memory). Use fewer kernels or samples, or {hint}.")

    def training_kernels(self, n_jobs=None):
        """The training kernels in the form the solvers take.

        Parameters
        ----------
        n_jobs : int, default=None
            Threads used to compute the kernels.

        Returns
        -------
        GramStack or FactorStack
            Exact Gram matrices, or Nystroem factors with ``n_components``.
        """
        if self.n_components is None:
            return GramStack(self.gram(n_jobs=n_jobs))
        return FactorStack(self.features(n_jobs=n_jobs,
                                         dtype=self.factor_dtype(self.X_fit_.shape[0])))

    def test_blocks(self, X, kernels, n_jobs=None):
        """Blocks ``B_m`` with ``f_m(X) = B_m @ C_m`` for the solvers' coefficients.

        Exact kernels give ``k_m(X, X_train)``; low-rank ones the Nystroem
        features of X (see :meth:`~FactorStack.prediction_coef`).

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            New inputs.
        kernels : sequence of int
            Indices of the kernels.
        n_jobs : int, default=None
            Threads used to compute the blocks.
        """
        if self.n_components is None:
            return self.gram(X, kernels=kernels, n_jobs=n_jobs)
        return self.features(X, kernels=kernels, n_jobs=n_jobs)

    def _fit_landmarks(self, n, take):
        if self.n_components > n:
            raise ValueError(
                f"n_components={self.n_components} is larger than the {n} training "
                "samples; choose n_components <= n_samples.")
        rng = check_random_state(self.random_state)
        rows = np.sort(rng.choice(n, self.n_components, replace=False))
        self.landmarks_ = np.asarray(take(rows), dtype=np.float64)
        self._landmark_diag = (None if self.normalize is None else
                               [self._checked_diag(s, self.landmarks_) for s in self._recipes])
        W = self.pairwise(self.landmarks_, self.landmarks_, diag_A=self._landmark_diag,
                          diag_B=self._landmark_diag)
        # Phi = k(X, Z) U diag(w^-1/2), dropping directions the landmarks do not span.
        self._projections = []
        self.ranks_ = []
        for Wm in W:
            U, w = psd_factor(Wm)
            keep = np.ones(w.size, dtype=bool)
            if self.spectral_energy is not None:
                # eigh sorts ascending: keep the top directions up to the energy
                share = np.cumsum(w[::-1].clip(min=0)) / max(w.clip(min=0).sum(), 1e-300)
                top = int(np.searchsorted(share, self.spectral_energy - 1e-12)) + 1
                keep = np.arange(w.size) >= w.size - top
            self._projections.append(U[:, keep] / np.sqrt(w[keep]))
            self.ranks_.append(int(keep.sum()))

    def features(self, X=None, kernels=None, n_jobs=None, dtype=np.float64):
        """Nystroem features ``Phi_m(X)`` with ``Phi_m Phi_m^T ~= K_m``.

        Computed :data:`FEATURE_ROWS` rows at a time: one distance block (or
        inner product block) per family serves all its kernels (every RBF
        width is ``exp(-gamma d)`` of the same squared distances), and each
        kernel's block is projected while it is still in cache, so the time
        goes to the exponentials and to matrix products.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features), default=None
            ``None`` means the training inputs.
        kernels : sequence of int, default=None
            Indices of the kernels; ``None`` means all.
        n_jobs : int, default=None
            Threads used to compute the features.
        dtype : numpy dtype, default=float64
            Storage of the features (computed in float64, then stored).

        Returns
        -------
        list of ndarray of shape (n_rows, r_m)
        """
        check_is_fitted(self, "names_")
        if self.n_components is None:
            raise ValueError(
                "features() returns Nystroem features, but this dictionary has "
                "n_components=None (exact kernels): set n_components (e.g. 500) before fit, "
                "or use gram() for exact kernel blocks.")
        A = self._input(X)
        index = list(range(self.n_kernels_)) if kernels is None else list(kernels)
        self._check_memory(A.shape[0], self.n_components, len(index),
                           itemsize=np.dtype(dtype).itemsize, chunked=True)
        features = [np.empty((A.shape[0], self.ranks_[m]), dtype=dtype) for m in index]
        starts = range(0, A.shape[0], FEATURE_ROWS)
        threads = min(effective_n_jobs(n_jobs), max(len(starts), 1))

        def compute(first):
            for start in starts[first::threads]:
                self._feature_rows(A, slice(start, start + FEATURE_ROWS), index, features,
                                   training=X is None)

        # Threads writing into shared arrays: never another backend.
        Parallel(n_jobs=threads, require="sharedmem")(
            delayed(compute)(first) for first in range(threads))
        return features

    def _feature_rows(self, A, rows, index, features, training):
        """Write the features of ``A[rows]`` into ``features[k][rows]``."""
        A, B = A[rows], self.landmarks_
        recipes = [self._recipes[m] for m in index]
        shared = _shared_blocks(recipes, A, B)
        block = np.empty((A.shape[0], B.shape[0]))
        for k, (m, recipe) in enumerate(zip(index, recipes)):
            self._kernel_into(block, recipe, A, B, shared)
            if self.normalize == "trace":
                block /= self._trace_scale[m]
            elif self.normalize == "diagonal" and recipe.family not in ("rbf", "laplacian"):
                # (RBF and Laplacian kernels have a unit diagonal already)
                diag = (self._train_diag[m][rows] if training and self._train_diag is not None
                        else self._checked_diag(recipe, A))
                block *= _inverse_sqrt(diag)[:, None]
                block *= _inverse_sqrt(self._landmark_diag[m])[None, :]
            np.matmul(block, self._projections[m], out=features[k][rows])

    def _input(self, X):
        if X is None:
            return self.X_fit_
        A = check_scale(check_array(X, dtype=np.float64))
        if A.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {A.shape[1]} features, but the kernel dictionary was "
                f"fitted on {self.n_features_in_}.")
        return A

    def gram(self, X=None, kernels=None, n_jobs=None):
        """Gram stack against the training inputs.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features), default=None
            Rows of the blocks; ``None`` means the training inputs (the symmetric
            training Gram matrices).
        kernels : sequence of int, default=None
            Indices of the kernels to compute (all by default); prediction
            computes only the kernels with non-zero weight.
        n_jobs : int, default=None
            Threads computing kernels in parallel (joblib semantics).

        Returns
        -------
        G : ndarray of shape (len(kernels), n_rows, n_train)
        """
        check_is_fitted(self, "names_")
        A = self._input(X)
        index = list(range(self.n_kernels_)) if kernels is None else list(kernels)
        self._check_memory(A.shape[0], self.X_fit_.shape[0], len(index))
        return self.pairwise(A, self.X_fit_, index, n_jobs=n_jobs,
                             diag_A=self._train_diag if X is None else None,
                             diag_B=self._train_diag)

    def pairwise(self, A, B, kernels=None, n_jobs=None, diag_A=None, diag_B=None):
        """Normalised kernel blocks ``k_m(A, B)`` for the fitted kernels.

        Parameters
        ----------
        A, B : ndarray of shape (n_a, n_features), (n_b, n_features)
            Inputs of the rows and the columns of the blocks.
        kernels : sequence of int, default=None
            Indices of the kernels; ``None`` means all.
        n_jobs : int, default=None
            Threads used to compute the blocks.
        diag_A, diag_B : list of ndarray, optional
            Precomputed ``k_m(a, a)`` for every kernel (all kernels, indexed by
            m); computed when needed and absent.

        Returns
        -------
        ndarray of shape (len(kernels), n_a, n_b)
        """
        check_is_fitted(self, "names_")
        index = list(range(self.n_kernels_)) if kernels is None else list(kernels)
        recipes = [self._recipes[m] for m in index]
        G = np.empty((len(index), A.shape[0], B.shape[0]))
        shared = _shared_blocks(recipes, A, B)

        def compute(k, m, recipe):
            self._kernel_into(G[k], recipe, A, B, shared)
            if self.normalize == "trace":
                G[k] /= self._trace_scale[m]
            elif self.normalize == "diagonal":
                da = diag_A[m] if diag_A is not None else self._checked_diag(recipe, A)
                db = diag_B[m] if diag_B is not None else self._checked_diag(recipe, B)
                # A sample with k(x, x) = 0 (e.g. x = 0 under the linear kernel)
                # gets a zero row: still a PSD kernel, and no division by zero.
                G[k] *= _inverse_sqrt(da)[:, None]
                G[k] *= _inverse_sqrt(db)[None, :]

        # Threads writing into one shared array: never another backend, even
        # inside a user's parallel_config(backend="dask").
        Parallel(n_jobs=n_jobs, require="sharedmem")(
            delayed(compute)(k, m, recipe) for k, (m, recipe) in enumerate(zip(index, recipes)))
        return G

    def _checked_diag(self, recipe, A):
        d = recipe.diagonal(self._columns(A, recipe))
        if np.any(d < 0) or not np.all(np.isfinite(d)):
            raise ValueError(
                f"Kernel {recipe.name} has k(x, x) < 0 or non-finite for a sample: it is "
                "not a valid (positive semi-definite) kernel.")
        return d

    def _kernel_into(self, out, recipe, A, B, shared):
        if recipe.columns is not None:
            A, B = A[:, recipe.columns], B[:, recipe.columns]
        if recipe.family in ("rbf", "laplacian"):
            D = shared[recipe.family] if recipe.columns is None else (
                _squared_distances(A, B) if recipe.family == "rbf" else cdist(A, B, "cityblock"))
            np.multiply(D, -recipe.gamma, out=out)
            np.exp(out, out=out)
        elif recipe.family in ("linear", "polynomial"):
            out[...] = shared["dot"] if recipe.columns is None else A @ B.T
            if recipe.family == "polynomial":
                out *= recipe.gamma
                out += recipe.coef0
                out **= recipe.degree
        else:
            block = np.asarray(recipe.function(A, B), dtype=np.float64)
            if block.shape != out.shape:
                raise ValueError(
                    f"Kernel {recipe.name} returned shape {block.shape}, expected {out.shape}.")
            if not np.all(np.isfinite(block)):
                raise ValueError(f"Kernel {recipe.name} returned NaN or infinite values.")
            out[...] = block
