"""Diagnostics of contrastive embeddings (CLOOB, Chen et al.)."""

import numpy as np
from sklearn.utils import check_random_state

from ._objectives import _logsumexp, softmax

_CHUNK = 1024


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
    P = softmax(np.asarray(U) @ np.asarray(V).T / tau, 1)
    return float(np.mean(1.0 - np.diag(P)))


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
    S = np.asarray(S, dtype=np.float64)
    return float(np.log(S.shape[0]) + np.mean(np.diag(S) - _logsumexp(S, 1)))


def infoloob_mi(S):
    """InfoLOOB estimate: ``log(N - 1) + mean_i [S_ii - logsumexp_{j != i} S_ij]``.

    The positive is left out of the denominator, so the estimate is not capped
    at ``log N`` (it is an upper-bound style estimator with higher variance).

    Parameters
    ----------
    S : ndarray of shape (N, N)
        Critic values of all pairs; the diagonal holds the positives.
    """
    S = np.asarray(S, dtype=np.float64).copy()
    n = S.shape[0]
    diag = np.diag(S).copy()
    S[np.diag_indices(n)] = -np.inf
    return float(np.log(n - 1) + np.mean(diag - _logsumexp(S, 1)))


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
    U = np.asarray(U, dtype=np.float64)
    eig = np.clip(np.linalg.eigvalsh(np.cov(U.T).reshape(U.shape[1], U.shape[1]))[::-1], 0, None)
    if eig.sum() <= 0:
        return 0
    return int(np.searchsorted(np.cumsum(eig) / eig.sum(), threshold) + 1)


def uniformity(U, t=2.0):
    """Wang-Isola uniformity of unit embeddings (lower = more uniform).

    ``log mean_{i<j} exp(-t ||u_i - u_j||^2)``.

    Parameters
    ----------
    U : ndarray of shape (n_samples, n_components)
        Unit embeddings (rows).
    t : float, default=2.0
        Scale of the Gaussian potential.
    """
    U = np.asarray(U, dtype=np.float64)
    n = U.shape[0]
    total = 0.0
    for start in range(0, n, _CHUNK):
        G = U[start:start + _CHUNK] @ U.T
        sq = np.clip(2.0 - 2.0 * G, 0.0, None)  # unit rows: ||u - v||^2 = 2 - 2 u.v
        rows = np.arange(G.shape[0])
        mask = (start + rows)[:, None] < np.arange(n)[None, :]
        total += np.exp(-t * sq[mask]).sum()
    return float(np.log(total / (n * (n - 1) / 2)))


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
    U = np.asarray(U, dtype=np.float64)
    if U.shape[0] > max_samples:
        rows = check_random_state(random_state).choice(U.shape[0], max_samples, replace=False)
        U = U[rows]
    n = U.shape[0]
    G = np.clip(U @ U.T, -1.0, 1.0)
    angles = np.arccos(G[np.triu_indices(n, 1)])
    return float(n / 4.0 - angles.sum() / (n * np.pi))


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
    U = np.asarray(U, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    target = np.arange(U.shape[0]) if y is None else np.asarray(y, dtype=int)
    out = np.empty(U.shape[0])
    for start in range(0, U.shape[0], _CHUNK):
        S = U[start:start + _CHUNK] @ V.T
        rows = np.arange(S.shape[0])
        t = target[start:start + _CHUNK]
        positive = S[rows, t].copy()
        S[rows, t] = -np.inf
        out[start:start + _CHUNK] = positive - S.max(axis=1)
    return out


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
    return np.sort(subspace_angles(np.asarray(A, float), np.asarray(B, float)))


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
