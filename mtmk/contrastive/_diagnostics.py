"""Diagnostics of contrastive embeddings (CLOOB, Chen et al.)."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from .._sklearn_compat import Interval, StrOptions, validate_params
from ._objectives import _logsumexp, softmax

_CHUNK = 1024


def _matrix(A, name, min_samples=1):
    """A finite 2-D float array, named in the messages."""
    A = check_array(A, dtype=np.float64, input_name=name, ensure_min_samples=0)
    if A.shape[0] < min_samples:
        raise ValueError(f"{name} has {A.shape[0]} row(s); at least {min_samples} "
                         "needed here.")
    return A


def _paired(U, V, min_samples=1):
    U, V = _matrix(U, "U", min_samples), _matrix(V, "V", min_samples)
    if U.shape[1] != V.shape[1]:
        raise ValueError(f"U and V must have the same embedding dimension; got {U.shape[1]} "
                         f"and {V.shape[1]}.")
    return U, V


def _critic(S, min_rows):
    S = _matrix(S, "S", min_rows)
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"S must be a square critic matrix (positives on the diagonal), "
                         f"got shape {S.shape}.")
    return S


@validate_params({"U": ["array-like"], "V": ["array-like"],
                  "tau": [Interval(Real, 0, None, closed="neither")]},
                 prefer_skip_nested_validation=True)
def saturation(U, V, tau):
    """Mean ``1 - p_ii``: how far the positive's softmax weight is from 1.

    ``p = softmax_rows(U V^T / tau)``.  InfoNCE's gradient on a pair scales
    with ``1 - p_ii``; values near 0 mean the loss has saturated.

    Parameters
    ----------
    U : ndarray of shape (n_samples, n_components)
        Unit embeddings of the first view.
    V : ndarray of shape (n_samples, n_components)
        Unit embeddings of the second view, paired row by row.
    tau : float
        Temperature.
    """
    U, V = _paired(U, V)
    if U.shape[0] != V.shape[0]:
        raise ValueError(f"U and V must be paired row by row; got {U.shape[0]} and "
                         f"{V.shape[0]} rows.")
    P = softmax(U @ V.T / tau, 1)
    return float(np.mean(1.0 - np.diag(P)))


@validate_params({"S": ["array-like"]}, prefer_skip_nested_validation=True)
def infonce_mi(S):
    """InfoNCE estimate of mutual information from a critic matrix.

    ``I_NCE = log N + mean_i [S_ii - logsumexp_j S_ij]``, never above ``log N``.

    Parameters
    ----------
    S : ndarray of shape (N, N)
        Critic values ``f(x_i, y_j)`` (e.g. ``U V^T / tau``), positives on the
        diagonal.

    Examples
    --------
    >>> from mtmk.contrastive import gaussian_critic, infonce_mi, make_correlated_gaussians
    >>> data = make_correlated_gaussians(n_samples=256, rho=0.9, random_state=0)
    >>> S = gaussian_critic(data.X, data.Y, data.rho)
    >>> bool(infonce_mi(S) <= np.log(256))                  # capped at log N
    True
    """
    S = _critic(S, 1)
    return float(np.log(S.shape[0]) + np.mean(np.diag(S) - _logsumexp(S, 1)))


@validate_params({"S": ["array-like"]}, prefer_skip_nested_validation=True)
def infoloob_mi(S):
    """InfoLOOB estimate: ``log(N - 1) + mean_i [S_ii - logsumexp_{j != i} S_ij]``.

    The positive is left out of the denominator, so the estimate is not capped
    at ``log N`` (it is an upper-bound style estimator with higher variance).

    Parameters
    ----------
    S : ndarray of shape (N, N)
        Critic values of all pairs; the diagonal holds the positives.
    """
    S = _critic(S, 2).copy()        # leaving one out needs two pairs
    n = S.shape[0]
    diag = np.diag(S).copy()
    S[np.diag_indices(n)] = -np.inf
    return float(np.log(n - 1) + np.mean(diag - _logsumexp(S, 1)))


@validate_params({"U": ["array-like"], "threshold": [Interval(Real, 0, 1, closed="right")]},
                 prefer_skip_nested_validation=True)
def effective_eigenvalues(U, threshold=0.99):
    """Number of covariance eigenvalues needed for ``threshold`` of the variance.

    CLOOB's measure of "explaining away": more eigenvalues means the
    embedding uses more directions.

    Parameters
    ----------
    U : ndarray of shape (n_samples, n_components)
        Embeddings (rows).
    threshold : float in (0, 1], default=0.99
        Share of the total variance to reach.
    """
    U = _matrix(U, "U", 2)
    eig = np.clip(np.linalg.eigvalsh(np.cov(U.T).reshape(U.shape[1], U.shape[1]))[::-1], 0, None)
    if eig.sum() <= 0:
        return 0
    return int(np.searchsorted(np.cumsum(eig) / eig.sum(), threshold) + 1)


@validate_params({"U": ["array-like"], "t": [Interval(Real, 0, None, closed="neither")]},
                 prefer_skip_nested_validation=True)
def uniformity(U, t=2.0):
    """Wang-Isola uniformity of unit embeddings (lower = more uniform).

    ``log mean_{i<j} exp(-t ||u_i - u_j||^2)``.

    Parameters
    ----------
    U : ndarray of shape (n_samples, n_components)
        Unit embeddings (rows), at least two.
    t : float, default=2.0
        Scale of the Gaussian potential.
    """
    U = _matrix(U, "U", 2)          # a pair needs two rows
    n = U.shape[0]
    total = 0.0
    for start in range(0, n, _CHUNK):
        G = U[start:start + _CHUNK] @ U.T
        sq = np.clip(2.0 - 2.0 * G, 0.0, None)  # unit rows: ||u - v||^2 = 2 - 2 u.v
        rows = np.arange(G.shape[0])
        mask = (start + rows)[:, None] < np.arange(n)[None, :]
        total += np.exp(-t * sq[mask]).sum()
    return float(np.log(total / (n * (n - 1) / 2)))


@validate_params({"U": ["array-like"], "max_samples": [Interval(Integral, 2, None, closed="left")],
                  "random_state": ["random_state"]},
                 prefer_skip_nested_validation=True)
def ajne_prentice(U, max_samples=2000, random_state=0):
    """Ajne/Prentice uniformity statistic of unit embeddings.

    ``A = n/4 - (1/(n pi)) sum_{i<j} arccos(<u_i, u_j>)``.

    Small values indicate uniformity on the sphere.  With more than
    ``max_samples`` rows a random subset of that size is used.

    Parameters
    ----------
    U : ndarray of shape (n_samples, n_components)
        Unit embeddings (rows).
    max_samples : int, default=2000
        Rows used at most (a random subset beyond).
    random_state : int, RandomState instance or None, default=0
        Seeds the subset.
    """
    U = _matrix(U, "U", 2)
    if U.shape[0] > max_samples:
        rows = check_random_state(random_state).choice(U.shape[0], max_samples, replace=False)
        U = U[rows]
    n = U.shape[0]
    G = np.clip(U @ U.T, -1.0, 1.0)
    angles = np.arccos(G[np.triu_indices(n, 1)])
    return float(n / 4.0 - angles.sum() / (n * np.pi))


@validate_params({"U": ["array-like"], "V": ["array-like"], "y": ["array-like", None]},
                 prefer_skip_nested_validation=True)
def margin(U, V, y=None):
    """The margin of Chen et al. (per-sample values).

    Without ``y``: ``m_i = <u_i, v_i> - max_{j != i} <u_i, v_j>`` for paired
    rows.  With ``y`` (class indices into the rows of V, e.g. prototypes):
    ``m_i = <u_i, v_{y_i}> - max_{k != y_i} <u_i, v_k>``.  The definition as a
    similarity gap follows Chen et al.'s description; the exact form is a
    **reconstruction**.  Positive margins mean correct retrieval/zero-shot.

    Parameters
    ----------
    U : ndarray of shape (n_samples, n_components)
        Unit embeddings of the queries.
    V : ndarray of shape (n_candidates, n_components)
        Unit embeddings of the candidates (paired rows, or class prototypes).
    y : array-like of int of shape (n_samples,), default=None
        Index of each query's correct candidate; ``None`` means paired rows.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    U, V = _paired(U, V)
    if V.shape[0] < 2:
        raise ValueError("V needs at least two rows: a margin compares the positive with "
                         "the best other row.")
    if y is None:
        if U.shape[0] != V.shape[0]:
            raise ValueError(f"Without y, U and V must be paired row by row; got "
                             f"{U.shape[0]} and {V.shape[0]} rows.")
        target = np.arange(U.shape[0])
    else:
        target = np.asarray(y)
        if target.shape != (U.shape[0],) or not np.issubdtype(target.dtype, np.integer) \
                or target.min() < 0 or target.max() >= V.shape[0]:
            raise ValueError(
                f"y must hold one integer index per row of U into the {V.shape[0]} rows of V "
                f"(0..{V.shape[0] - 1}); got {np.asarray(y)!r}.")
    out = np.empty(U.shape[0])
    for start in range(0, U.shape[0], _CHUNK):
        S = U[start:start + _CHUNK] @ V.T
        rows = np.arange(S.shape[0])
        t = target[start:start + _CHUNK]
        positive = S[rows, t].copy()
        S[rows, t] = -np.inf
        out[start:start + _CHUNK] = positive - S.max(axis=1)
    return out


@validate_params({"A": ["array-like"], "B": ["array-like"]}, prefer_skip_nested_validation=True)
def principal_angles(A, B):
    """Principal angles (radians, ascending) between the column spaces of A and B.

    Parameters
    ----------
    A : ndarray of shape (d, r1)
        Columns spanning the first subspace.
    B : ndarray of shape (d, r2)
        Columns spanning the second subspace.

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk.contrastive import principal_angles
    >>> principal_angles(np.array([[1.0], [0.0]]), np.array([[1.0], [1.0]])).round(4)
    array([0.7854])
    """
    from scipy.linalg import subspace_angles
    A, B = _matrix(A, "A"), _matrix(B, "B")
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must have the same number of rows (ambient dimension); "
                         f"got {A.shape[0]} and {B.shape[0]}.")
    return np.sort(subspace_angles(A, B))


@validate_params({"A": ["array-like"], "B": ["array-like"],
                  "norm": [StrOptions({"spectral", "fro"})]},
                 prefer_skip_nested_validation=True)
def sin_theta_distance(A, B, norm="spectral"):
    """Norm of the sines of the principal angles between the column spaces of A and B.

    ``norm="spectral"`` gives the sine of the largest angle (in [0, 1]);
    ``"fro"`` the Frobenius norm of the sines divided by sqrt(r).

    Parameters
    ----------
    A : ndarray of shape (d, r)
        Columns spanning the first subspace.
    B : ndarray of shape (d, r)
        Columns spanning the second subspace.
    norm : {"spectral", "fro"}, default="spectral"
        Which norm of the sines.
    """
    s = np.sin(principal_angles(A, B))
    return float(s.max()) if norm == "spectral" else float(np.linalg.norm(s) / np.sqrt(s.size))
