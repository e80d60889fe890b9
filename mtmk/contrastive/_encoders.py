"""Feature maps for one view, the first stage of a kernel encoder.

An encoder is ``g(x) = W^T phi(x)``: a fixed feature map ``phi`` followed by a
learned linear head ``W``.  The maps are

* ``"linear"``: the (standardised) inputs themselves;
* ``"nystroem"``: Nystroem features of an RBF kernel, taken from the
  toolkit's :class:`~mtmk.KernelDictionary` (no second kernel code);
* ``"rff"``: random Fourier features of the same RBF kernel
  (Rahimi and Recht), written here because the core has none.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._kernels import KernelDictionary, median_gamma
from .._sklearn_compat import Interval, _fit_context
from .._validation import check_scale


class RandomFourierFeatures(TransformerMixin, BaseEstimator):
    """Random Fourier features of the RBF kernel.

    The kernel is ``exp(-gamma ||x - z||^2)``.

    ``phi(x) = sqrt(2 / D) cos(x Omega + b)`` with ``Omega ~ N(0, 2 gamma I)``
    and ``b ~ U[0, 2 pi)``, so that ``phi(x) . phi(z)`` is an unbiased estimate
    of the kernel.

    Parameters
    ----------
    n_components : int, default=256
        Number of features D.
    gamma : float or None, default=None
        Kernel width; ``None`` uses the median heuristic on the training data.
    random_state : int, RandomState instance or None, default=None
        Seeds the random frequencies and phases.

    Attributes
    ----------
    gamma_ : float
    random_weights_ : ndarray of shape (n_features_in, n_components)
    random_offset_ : ndarray of shape (n_components,)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics.pairwise import rbf_kernel
    >>> from mtmk.contrastive import RandomFourierFeatures
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> Phi = RandomFourierFeatures(n_components=5000, gamma=0.2, random_state=0).fit_transform(X)
    >>> bool(np.abs(Phi @ Phi.T - rbf_kernel(X, gamma=0.2)).max() < 0.1)
    True
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, n_components=256, gamma=None, random_state=None):
        self.n_components = n_components
        self.gamma = gamma
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Draw the random frequencies (and the median-heuristic width).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : None
            Ignored.
        """
        X = check_scale(validate_data(self, X, dtype=np.float64))
        rng = check_random_state(self.random_state)
        self.gamma_ = float(self.gamma) if self.gamma is not None else median_gamma(X)
        self.random_weights_ = rng.normal(scale=np.sqrt(2.0 * self.gamma_),
                                          size=(X.shape[1], self.n_components))
        self.random_offset_ = rng.uniform(0.0, 2.0 * np.pi, size=self.n_components)
        return self

    def transform(self, X):
        """Features of shape (n_samples, n_components).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        F = X @ self.random_weights_
        F += self.random_offset_
        np.cos(F, out=F)
        F *= np.sqrt(2.0 / self.n_components)
        return F


class NystroemFeatures(TransformerMixin, BaseEstimator):
    """Nystroem features of one RBF kernel, through :class:`KernelDictionary`.

    Parameters
    ----------
    n_components : int, default=256
        Number of landmarks (at most the number of training rows).  The
        feature dimension can be smaller when landmarks are linearly dependent
        in feature space.
    gamma : float or None, default=None
        Kernel width; ``None`` uses the dictionary's median heuristic.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of landmarks.

    Attributes
    ----------
    kernel_dictionary_ : KernelDictionary
    n_features_out_ : int
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk.contrastive import NystroemFeatures
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> NystroemFeatures(n_components=20, random_state=0).fit_transform(X).shape[0]
    50
    """

    _parameter_constraints = dict(RandomFourierFeatures._parameter_constraints)

    def __init__(self, n_components=256, gamma=None, random_state=None):
        self.n_components = n_components
        self.gamma = gamma
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Choose the landmarks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : None
            Ignored.
        """
        X = validate_data(self, X, dtype=np.float64)
        if self.n_components > X.shape[0]:
            raise ValueError(
                f"Nystroem n_components={self.n_components} is larger than the "
                f"{X.shape[0]} training rows; choose at most n_samples landmarks.")
        rbf = [self.gamma] if self.gamma is not None else 1
        self.kernel_dictionary_ = KernelDictionary(
            rbf=rbf, polynomial=(), linear=False, n_components=self.n_components,
            random_state=self.random_state).fit(X)
        self.n_features_out_ = self.kernel_dictionary_.ranks_[0]
        return self

    def transform(self, X):
        """Features of shape ``(n_samples, n_features_out_)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.kernel_dictionary_.features(X)[0]


class _Standardize(TransformerMixin, BaseEstimator):
    """Centre and scale columns (constant columns keep scale 1).

    A column is constant when its spread is at rounding level relative to its
    magnitude (a relative test, so that uniformly tiny or huge inputs are
    standardised like any others).
    """

    def fit(self, X, y=None):
        self.mean_ = X.mean(axis=0)
        scale = X.std(axis=0)
        magnitude = np.abs(X).max(axis=0) if X.size else np.zeros(X.shape[1])
        scale[~(scale > 1e-12 * magnitude) | (scale == 0)] = 1.0
        self.scale_ = scale
        return self

    def transform(self, X):
        return (X - self.mean_) / self.scale_


def make_feature_map(kind, n_features=256, gamma=None, random_state=None):
    """An unfitted feature map: ``"linear"``, ``"nystroem"`` or ``"rff"``.

    ``"linear"`` standardises the columns; the RBF maps act on the raw inputs
    (the median heuristic adapts their width to the data's scale).
    """
    if kind == "linear":
        return _Standardize()
    if kind == "nystroem":
        return NystroemFeatures(n_components=n_features, gamma=gamma, random_state=random_state)
    if kind == "rff":
        return RandomFourierFeatures(n_components=n_features, gamma=gamma,
                                     random_state=random_state)
    raise ValueError(f"Unknown feature map {kind!r}; use 'linear', 'nystroem' or 'rff'.")
