"""The sparse multi-task kernel model of the MTMK rate.

Covariates ``x ~ N(0, I_p)`` (``design="gaussian"``) or ``U[0, 1]^p``
(``design="uniform"``).  Every kernel of the dictionary acts on one
one-dimensional projection ``u^T x``:

- kernel ``j < min(p, M)`` is the *per-covariate* kernel on ``x_j``;
- the remaining ``M - p`` kernels (padding) act on random unit directions
  ``u`` supported on the *inactive* covariates ``x_s, ..., x_{p-1}``.

The true logits of task t are ``f*_t = sum_{m in S} f*_tm`` with
``f*_tm = K_m(., Z) c_tm`` on a few centres ``Z`` and ``||f*_tm||_H = signal``;
the active set ``S = {0, ..., s - 1}`` (the kernels of the first s covariates)
is shared by all tasks.  Because the inactive covariates are independent of
the active ones, every padding kernel is genuinely irrelevant: this is the
sparse additive kernel model of Raskutti, Wainwright and Yu (JMLR 2012), for
which the MTMK rate is stated.

Labels are ``y_t ~ Bernoulli(sigmoid(f*_t(x)))``, so the Bayes classifier is
``sign(f*_t)`` and every risk is computable exactly, up to Monte Carlo over
fresh ``x``, from the true logits.
"""

from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from scipy.special import expit, log_expit
from sklearn.utils import check_random_state

from .._kernels import KernelDictionary
from .._sklearn_compat import Interval, StrOptions, validate_params

#: Kernel families and their default parameter (degree or inverse width).
FAMILIES = {"polynomial": 2, "linear": None, "rbf": 1.0, "laplacian": 1.0}


def check_seed(random_state, name="random_state"):
    """An int seed in [0, 2**32 - 1]: sweeps and their summaries replay from it.

    Raises
    ------
    ValueError
        For anything else (None, a negative or too large int, a float, a
        random generator).
    """
    if (isinstance(random_state, (bool, np.bool_))
            or not isinstance(random_state, (Integral, np.integer))
            or not 0 <= random_state < 2**32):
        raise ValueError(f"{name} must be an int in [0, 2**32 - 1], got {random_state!r}: "
                         "results are replayed from it (None or a generator could not be), "
                         "e.g. random_state=0.")
    return int(random_state)


def predicted_n_slope(family):
    """Log-log slope of the squared estimation error in n that theory predicts.

    Finite-rank kernels (linear, polynomial) are parametric: slope -1.  The
    Gaussian kernel's eigenvalues decay exponentially, giving ``log(n)/n``:
    slope -1 up to a logarithm.  The one-dimensional Laplacian kernel is the
    first-order Sobolev kernel, eigenvalues ``j^-2`` (alpha = 2), so slope
    ``-alpha / (1 + alpha) = -2/3`` (Kloft and Blanchard).

    Parameters
    ----------
    family : str
        One of ``FAMILIES``.

    Returns
    -------
    float

    Examples
    --------
    >>> from mtmk.theory import predicted_n_slope
    >>> predicted_n_slope("polynomial"), round(predicted_n_slope("laplacian"), 4)
    (-1.0, -0.6667)
    """
    slopes = {"polynomial": -1.0, "linear": -1.0, "rbf": -1.0, "laplacian": -2.0 / 3.0}
    if family not in slopes:
        raise ValueError(f"Unknown kernel family {family!r}; choose one of {sorted(slopes)}.")
    return slopes[family]


class ProjectionKernel:
    """A kernel on the one-dimensional projection ``u^T x``.

    A plain picklable class (not a closure) so that it travels to joblib and
    dask workers.

    Parameters
    ----------
    family : {"polynomial", "linear", "rbf", "laplacian"}
        ``(1 + a b)^degree``, ``a b``, ``exp(-gamma (a - b)^2)`` or
        ``exp(-gamma |a - b|)`` with ``a = u^T x`` and ``b = u^T z``.
    param : float or None
        Degree (polynomial) or gamma (rbf, laplacian); ``None`` for linear.
    direction : ndarray of shape (n_features,)
        The projection ``u``.
    name : str
        Readable name (used as the kernel's name in the dictionary).
    """

    def __init__(self, family, param, direction, name):
        self.family = family
        self.param = param
        self.direction = np.asarray(direction, dtype=float)
        self.__name__ = name

    def __call__(self, A, B):
        a = np.asarray(A, dtype=float) @ self.direction
        b = np.asarray(B, dtype=float) @ self.direction
        if self.family == "polynomial":
            return (1.0 + np.multiply.outer(a, b)) ** int(self.param)
        if self.family == "linear":
            return np.multiply.outer(a, b)
        if self.family == "rbf":
            return np.exp(-self.param * np.subtract.outer(a, b) ** 2)
        return np.exp(-self.param * np.abs(np.subtract.outer(a, b)))

    def __repr__(self):
        return f"ProjectionKernel({self.__name__})"


@dataclass
class SparseKernelModel:
    """A realised sparse multi-task kernel model.

    Build it with :func:`make_sparse_kernel_model`.

    Parameters
    ----------
    kernels : list of ProjectionKernel
        The dictionary of M candidate kernels.
    active_set : ndarray of int
        The true shared support S (indices into ``kernels``).
    centers : ndarray of shape (n_centers, n_features)
        Centres of the true functions' kernel expansions.
    coef : ndarray of shape (n_active, n_centers, n_tasks)
        ``c_tm``, scaled so that ``||f*_tm||_H = signal``.
    design : {"gaussian", "uniform"}
        Distribution of the covariates.
    n_features, n_tasks, family, signal
        The configuration.
    config : dict
        Every argument of :func:`make_sparse_kernel_model`.
    """

    kernels: list
    active_set: np.ndarray
    centers: np.ndarray
    coef: np.ndarray
    design: str
    n_features: int
    n_tasks: int
    family: str
    signal: float
    config: dict = field(default_factory=dict)

    @property
    def n_kernels(self):
        """Number of candidate kernels M."""
        return len(self.kernels)

    @validate_params({"n": [Interval(Integral, 1, None, closed="left")],
                      "random_state": ["random_state"]}, prefer_skip_nested_validation=True)
    def sample_X(self, n, random_state=None):
        """Draw ``n`` covariate vectors from the design distribution.

        Parameters
        ----------
        n : int
            Number of draws.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw.
        """
        rng = check_random_state(random_state)
        if self.design == "gaussian":
            return rng.standard_normal((n, self.n_features))
        return rng.uniform(0.0, 1.0, (n, self.n_features))

    def logits(self, X):
        """True logits ``f*_t(x)``, shape (n_samples, n_tasks).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Covariates.
        """
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X must have shape (n_samples, {self.n_features}) (one column "
                             f"per covariate of the model), got {X.shape}.")
        F = np.zeros((X.shape[0], self.n_tasks))
        for k, m in enumerate(self.active_set):
            F += self.kernels[m](X, self.centers) @ self.coef[k]
        return F

    @validate_params({"n": [Interval(Integral, 1, None, closed="left")],
                      "random_state": ["random_state"]}, prefer_skip_nested_validation=True)
    def sample(self, n, random_state=None):
        """Draw a data set.

        Parameters
        ----------
        n : int
            Number of samples.
        random_state : int, RandomState instance or None
            Seeds the draw.

        Returns
        -------
        X : ndarray of shape (n, n_features)
        Y : ndarray of int of shape (n, n_tasks)
            0/1 labels, ``Y[:, t] ~ Bernoulli(sigmoid(f*_t(X)))``.
        logits : ndarray of shape (n, n_tasks)
        """
        rng = check_random_state(random_state)
        X = self.sample_X(n, rng)
        F = self.logits(X)
        Y = (rng.uniform(size=F.shape) < expit(F)).astype(int)
        return X, Y, F

    @validate_params({"n_mc": [Interval(Integral, 1, None, closed="left")],
                      "random_state": ["random_state"]}, prefer_skip_nested_validation=True)
    def bayes_risk(self, n_mc=200_000, random_state=None):
        """Bayes 0/1 and logistic risks, averaged over tasks, by Monte Carlo over x.

        Given x the risks are exact: the Bayes classifier ``sign(f*)`` errs with
        probability ``sigmoid(-|f*|)`` and the best logistic loss is the
        entropy of ``sigmoid(f*)``.

        Parameters
        ----------
        n_mc : int, default=200000
            Monte Carlo draws of x.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws.

        Returns
        -------
        dict with keys ``"zero_one"`` and ``"logistic"``
        """
        F = self.logits(self.sample_X(n_mc, random_state))
        return {"zero_one": float(np.mean(expit(-np.abs(F)))),
                "logistic": float(np.mean(_expected_logistic(F, F)))}

    def kernel_dictionary(self, n_components=None, random_state=None):
        """The candidate kernels as an (unfitted) :class:`mtmk.KernelDictionary`.

        No normalisation, so the fitted RKHS norms are those of the model.
        ``n_components`` switches to Nystroem factors (large n).

        Parameters
        ----------
        n_components : int or None, default=None
            Rank of the Nystroem factors; ``None`` gives exact kernels.
        random_state : int, RandomState instance or None, default=None
            Seeds the Nystroem landmarks.
        """
        return KernelDictionary(rbf=0, laplacian=0, polynomial=(), linear=False,
                                callables=list(self.kernels), normalize=None,
                                n_components=n_components, random_state=random_state)

    def gram(self, A, B=None, kernels=None):
        """Gram stack ``(n_kernels, len(A), len(B))`` of the chosen kernels.

        Parameters
        ----------
        A : ndarray of shape (n_a, n_features)
            Rows of the Gram matrices.
        B : ndarray of shape (n_b, n_features), default=None
            Columns; ``None`` means A.
        kernels : sequence of int, default=None
            Indices of the kernels; ``None`` means all.
        """
        B = A if B is None else B
        index = range(self.n_kernels) if kernels is None else kernels
        return np.stack([self.kernels[m](A, B) for m in index])


def _expected_logistic(F_true, F):
    """E_y[logistic loss of F] when ``y ~ Bernoulli(sigmoid(F_true))``."""
    p = expit(F_true)
    return -(p * log_expit(F) + (1.0 - p) * log_expit(-F))


def excess_risks(F_true, F_hat):
    """Exact excess risks given x, averaged over samples and tasks.

    Parameters
    ----------
    F_true, F_hat : ndarray of shape (n_samples, n_tasks)
        True and fitted logits on fresh covariates.

    Returns
    -------
    dict
        ``estimation_error`` (mean squared logit error, the empirical
        ``(1/T) sum_t ||f_hat_t - f*_t||^2_{L2(P)}``), ``excess_logistic`` and
        ``excess_zero_one``.
    """
    F_true = np.asarray(F_true, dtype=float)
    F_hat = np.asarray(F_hat, dtype=float)
    if F_true.shape != F_hat.shape:
        raise ValueError(f"F_true and F_hat must have the same shape (n_samples, n_tasks), "
                         f"got {F_true.shape} and {F_hat.shape}.")
    disagree = np.sign(F_hat) != np.sign(F_true)
    return {
        "estimation_error": float(np.mean((F_hat - F_true) ** 2)),
        "excess_logistic": float(np.mean(_expected_logistic(F_true, F_hat)
                                         - _expected_logistic(F_true, F_true))),
        "excess_zero_one": float(np.mean(np.abs(2.0 * expit(F_true) - 1.0) * disagree)),
    }


@validate_params(
    {"n_features": [Interval(Integral, 1, None, closed="left")],
     "n_kernels": [Interval(Integral, 1, None, closed="left")],
     "n_active": [Interval(Integral, 1, None, closed="left")],
     "n_tasks": [Interval(Integral, 1, None, closed="left")],
     "family": [StrOptions(set(FAMILIES))],
     "kernel_param": [Interval(Real, 0, None, closed="neither"), None],
     "design": [StrOptions({"gaussian", "uniform"})],
     "n_centers": [Interval(Integral, 1, None, closed="left")],
     "signal": [Interval(Real, 0, None, closed="neither")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True)
def make_sparse_kernel_model(n_features=10, n_kernels=16, n_active=2, n_tasks=3,
                             family="polynomial", kernel_param=None, design="gaussian",
                             n_centers=10, signal=1.0, random_state=None):
    """Draw a sparse multi-task kernel model.

    Parameters
    ----------
    n_features : int, default=10
        Number of covariates p.
    n_kernels : int, default=16
        Size M of the kernel dictionary (per-covariate kernels, then padding
        kernels on random directions of the inactive covariates).
    n_active : int, default=2
        Number s of active kernels, shared by all tasks.
    n_tasks : int, default=3
        Number of tasks T.
    family : {"polynomial", "linear", "rbf", "laplacian"}, default="polynomial"
        Kernel family of the whole dictionary.  ``"polynomial"`` (degree 2,
        rank 3 per kernel) is the finite-rank design whose squared-error slope
        in n is -1.
    kernel_param : float, default=None
        Degree or gamma; ``None`` uses ``FAMILIES[family]``.
    design : {"gaussian", "uniform"}, default="gaussian"
        ``x ~ N(0, I_p)`` or ``U[0, 1]^p``.
    n_centers : int, default=10
        Centres ``Z`` of the true functions ``f*_tm = K_m(., Z) c_tm``.
    signal : float, default=1.0
        RKHS norm ``||f*_tm||_H`` of every active component.
    random_state : int, RandomState instance or None
        Seeds the padding directions, the centres and the coefficients.

    Returns
    -------
    SparseKernelModel

    Examples
    --------
    >>> from mtmk.theory import make_sparse_kernel_model
    >>> model = make_sparse_kernel_model(n_features=5, n_kernels=8, n_tasks=2,
    ...                                  random_state=0)
    >>> X, Y, logits = model.sample(100, random_state=1)
    >>> X.shape, Y.shape, model.active_set.tolist()
    ((100, 5), (100, 2), [0, 1])
    >>> risk = model.bayes_risk(n_mc=10_000, random_state=2)["zero_one"]
    >>> bool(0 < risk < 0.5)
    True
    """
    n_features, n_kernels, n_active, n_tasks = (int(v) for v in
                                                (n_features, n_kernels, n_active, n_tasks))
    if family not in FAMILIES:
        raise ValueError(f"Unknown kernel family {family!r}; choose one of {sorted(FAMILIES)}.")
    if design not in ("gaussian", "uniform"):
        raise ValueError(f"design must be 'gaussian' or 'uniform', got {design!r}.")
    if min(n_features, n_kernels, n_active, n_tasks, n_centers) < 1:
        raise ValueError("n_features, n_kernels, n_active, n_tasks and n_centers must be >= 1.")
    if n_active > n_kernels:
        raise ValueError(f"More active kernels ({n_active}) than kernels ({n_kernels}): "
                         "the active set must be a subset of the dictionary.")
    if n_active > n_features:
        raise ValueError(f"More active kernels ({n_active}) than covariates ({n_features}): "
                         "every active kernel acts on its own covariate.")
    if n_kernels > n_features and n_features == n_active:
        raise ValueError(f"n_kernels={n_kernels} > n_features={n_features} needs padding "
                         "kernels on inactive covariates, but every covariate is active; "
                         "use n_features > n_active.")
    if not signal > 0:
        raise ValueError(f"signal must be positive, got {signal}.")
    if family == "polynomial" and kernel_param is not None and (
            int(kernel_param) != kernel_param):
        raise ValueError(f"kernel_param is the polynomial degree: it must be an integer >= 1, "
                         f"got {kernel_param!r}.")
    if family == "linear" and kernel_param is not None:
        raise ValueError(f"The linear family has no parameter; got kernel_param="
                         f"{kernel_param!r}. Leave it None.")
    param = FAMILIES[family] if kernel_param is None else kernel_param
    rng = check_random_state(random_state)

    kernels = []
    for j in range(min(n_features, n_kernels)):
        u = np.zeros(n_features)
        u[j] = 1.0
        kernels.append(ProjectionKernel(family, param, u, f"{family}[x{j}]"))
    for k in range(n_kernels - len(kernels)):
        u = np.zeros(n_features)
        u[n_active:] = rng.standard_normal(n_features - n_active)
        u /= np.linalg.norm(u)
        kernels.append(ProjectionKernel(family, param, u, f"{family}[pad{k}]"))

    model = SparseKernelModel(
        kernels=kernels, active_set=np.arange(n_active), centers=None, coef=None,
        design=design, n_features=n_features, n_tasks=n_tasks, family=family,
        signal=float(signal),
        config=dict(n_features=n_features, n_kernels=n_kernels, n_active=n_active,
                    n_tasks=n_tasks, family=family, kernel_param=param, design=design,
                    n_centers=n_centers, signal=float(signal)))
    model.centers = model.sample_X(n_centers, rng)
    coef = rng.standard_normal((n_active, n_centers, n_tasks))
    for k, m in enumerate(model.active_set):
        K = kernels[m](model.centers, model.centers)
        norms = np.sqrt(np.maximum(np.einsum("it,ij,jt->t", coef[k], K, coef[k]), 1e-300))
        coef[k] *= signal / norms
    model.coef = coef
    return model
