"""Contrastive objectives with hand-written analytic gradients.

Every objective takes two matrices of embeddings whose rows are paired
(row ``i`` of ``U`` belongs with row ``i`` of ``V``) and returns the loss value
together with its gradients in ``U`` and ``V``.  Nothing here
uses an automatic differentiation framework; the test suite checks every
gradient against central finite differences.

Notation: ``S = U V^T / tau`` are the logits, ``N`` the number of rows.
"""

import numpy as np


def softmax(A, axis=1):
    """Numerically stable softmax along ``axis``."""
    E = np.exp(A - A.max(axis=axis, keepdims=True))
    E /= E.sum(axis=axis, keepdims=True)
    return E


def _logsumexp(A, axis=1):
    m = A.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(A - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def _softmax_lse(A, axis):
    """Softmax and log-sum-exp along ``axis`` from a single exponential."""
    m = A.max(axis=axis, keepdims=True)
    E = np.exp(A - m)
    total = E.sum(axis=axis, keepdims=True)
    E /= total
    return E, (m + np.log(total)).squeeze(axis)


def normalize_rows(E, eps=1e-12):
    """Rows of ``E`` scaled to unit Euclidean length.

    Parameters
    ----------
    E : ndarray of shape (n_rows, k)
        Embeddings.
    eps : float, default=1e-12
        Floor of the row norms (keeps zero rows finite).

    Returns
    -------
    U : ndarray, same shape as E
    norms : ndarray of shape (n_rows, 1)
        The row norms (floored at ``eps``), needed by the backward pass.

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk.contrastive import normalize_rows
    >>> U, norms = normalize_rows(np.array([[3.0, 4.0], [0.0, 2.0]]))
    >>> U
    array([[0.6, 0.8],
           [0. , 1. ]])
    """
    norms = np.maximum(np.linalg.norm(E, axis=1, keepdims=True), eps)
    return E / norms, norms


def normalize_rows_backward(dU, U, norms):
    """Gradient through ``u = e / ||e||``: ``(du - (du . u) u) / ||e||``."""
    return (dU - np.einsum("ij,ij->i", dU, U)[:, None] * U) / norms


def _check_pair(U, V):
    if U.shape != V.shape:
        raise ValueError(
            f"Paired embeddings must have the same shape; got {U.shape} and {V.shape}.")
    if U.shape[0] < 2:
        raise ValueError("A contrastive loss needs at least 2 pairs in a batch.")


def info_nce_loss(U, V, tau):
    """Symmetric InfoNCE (the CLIP loss).

    ``L = 1/2 mean_i[-S_ii + logsumexp_j S_ij] + 1/2 mean_j[-S_jj + logsumexp_i S_ij]``
    with ``dL/dS = ((softmax_rows(S) - I) + (softmax_cols(S) - I)) / (2N)``.

    Parameters
    ----------
    U, V : ndarray of shape (N, k)
        Paired embeddings (CLIP uses unit-length rows).
    tau : float
        Temperature.

    Returns
    -------
    loss : float
    dU, dV : ndarray of shape (N, k)

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk.contrastive import info_nce_loss, normalize_rows
    >>> U = normalize_rows(np.eye(4))[0]
    >>> loss, dU, dV = info_nce_loss(U, U, tau=0.1)      # perfectly aligned pairs
    >>> bool(loss < 1e-3), dU.shape
    (True, (4, 4))
    """
    _check_pair(U, V)
    n = U.shape[0]
    S = U @ V.T / tau
    diag = np.diag(S)
    P_rows, lse_rows = _softmax_lse(S, 1)
    P_cols, lse_cols = _softmax_lse(S, 0)
    loss = 0.5 * np.mean(lse_rows - diag) + 0.5 * np.mean(lse_cols - diag)
    dS = P_rows + P_cols
    dS[np.diag_indices(n)] -= 2.0
    dS /= 2.0 * n
    return float(loss), dS @ V / tau, dS.T @ U / tau


def clip_regularized_loss(U, V, tau, reg):
    """InfoNCE plus a penalty on the distance of positive pairs (Chen et al.).

    ``L = L_NCE(tau) + reg * mean_i ||u_i - v_i||^2``.  The penalty acting on
    positive pairs only is from the paper; this exact form is a
    **reconstruction**.  For unit rows it equals
    ``L_NCE + 2 reg (1 - mean_i cos(u_i, v_i))``.

    Parameters
    ----------
    U : ndarray of shape (N, k)
        Unit embeddings of the first view; row i is paired with row i of V.
    V : ndarray of shape (N, k)
        Unit embeddings of the second view.
    tau : float
        Temperature of the logits ``U V^T / tau``.
    reg : float
        Weight of the positive-pair penalty.

    Returns
    -------
    loss : float
    dU, dV : ndarray of shape (N, k)
    """
    loss, dU, dV = info_nce_loss(U, V, tau)
    diff = U - V
    n = U.shape[0]
    loss += reg * float(np.einsum("ij,ij->", diff, diff)) / n
    dU = dU + (2.0 * reg / n) * diff
    dV = dV - (2.0 * reg / n) * diff
    return loss, dU, dV


def info_loob_loss(U, V, tau):
    """Symmetric InfoLOOB ("leave one out" bound) of CLOOB.

    ::

        L = -mean_i log(e^{S_ii} / sum_{j != i} e^{S_ij})
            - mean_i log(e^{S_ii} / sum_{j != i} e^{S_ji})

    The positive pair never enters a denominator: the softmax weights of the
    gradient are taken over the off-diagonal entries only, so
    ``dL/dS = ((Q_rows - I) + (Q_cols - I)) / N`` with ``diag(Q) = 0``.

    Parameters
    ----------
    U : ndarray of shape (N, k)
        Unit embeddings of the first view; row i is paired with row i of V.
    V : ndarray of shape (N, k)
        Unit embeddings of the second view.
    tau : float
        Temperature of the logits ``U V^T / tau``.

    Returns
    -------
    loss : float
    dU, dV : ndarray of shape (N, k)

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk.contrastive import info_loob_loss, normalize_rows
    >>> U = normalize_rows(np.eye(4))[0]
    >>> loss, dU, dV = info_loob_loss(U, U, tau=0.1)     # no cap at log N: far below 0
    >>> bool(loss < -10)
    True
    """
    _check_pair(U, V)
    n = U.shape[0]
    S = U @ V.T / tau
    diag = np.diag(S).copy()
    masked = S.copy()
    masked[np.diag_indices(n)] = -np.inf  # exp(-inf) = 0: the positive is left out
    Q_rows, lse_rows = _softmax_lse(masked, 1)
    Q_cols, lse_cols = _softmax_lse(masked, 0)
    loss = np.mean(lse_rows - diag) + np.mean(lse_cols - diag)
    dS = Q_rows + Q_cols
    dS[np.diag_indices(n)] -= 2.0
    dS /= n
    return float(loss), dS @ V / tau, dS.T @ U / tau


def _hopfield_forward(Q, M, beta):
    P = softmax(beta * (Q @ M.T), 1)
    return P @ M, P


def _hopfield_backward(dO, P, Q, M, beta):
    """Backward of ``O = P M``, ``P = softmax_rows(beta Q M^T)``."""
    dP = dO @ M.T
    dY = P * (dP - np.einsum("ij,ij->i", dP, P)[:, None])
    dQ = beta * (dY @ M)
    dM = P.T @ dO + beta * (dY.T @ Q)
    return dQ, dM


def hopfield_retrieval(Q, M, beta, normalize=True):
    """Modern Hopfield retrieval of the queries ``Q`` from the memory ``M``.

    ``O = softmax_rows(beta Q M^T) M``, optionally renormalised to unit rows.
    As ``beta`` grows the softmax becomes an arg-max and each query retrieves
    the stored pattern with the largest inner product (for unit vectors: the
    nearest one).

    Parameters
    ----------
    Q : ndarray of shape (n_queries, k)
        Queries (state patterns).
    M : ndarray of shape (n_patterns, k)
        Memory (stored patterns).
    beta : float
        Inverse temperature of the retrieval, > 0.
    normalize : bool, default=True
        Scale the retrievals to unit rows.

    Returns
    -------
    ndarray of shape (n_queries, k)
    """
    if beta <= 0:
        raise ValueError(f"beta must be > 0, got {beta}.")
    out, _ = _hopfield_forward(np.asarray(Q, float), np.asarray(M, float), beta)
    return normalize_rows(out)[0] if normalize else out


def cloob_loss(U, V, tau, beta):
    """CLOOB: InfoLOOB on embeddings retrieved from modern Hopfield memories.

    With the batch as memory and ``rn`` the row renormalisation::

        Ux = rn(hop(U; U)),  Uy = rn(hop(V; U)),  Vx = rn(hop(U; V)),  Vy = rn(hop(V; V))
        L  = InfoLOOB(Ux, Uy) + InfoLOOB(Vy, Vx)

    where ``hop(Q; M) = softmax_rows(beta Q M^T) M``.  This uses the symmetric
    InfoLOOB in both terms; the authors' code uses one (row) direction per term
    and multiplies the loss by tau.

    Parameters
    ----------
    U, V : ndarray of shape (N, k)
        Unit-normalised paired embeddings.
    tau : float
        Temperature of InfoLOOB.
    beta : float
        Inverse temperature of the Hopfield retrieval.

    Returns
    -------
    loss : float
    dU, dV : ndarray of shape (N, k)
    """
    _check_pair(U, V)
    # (query, memory) of the four retrievals, in the order Ux, Uy, Vx, Vy.
    plan = [(U, U), (V, U), (U, V), (V, V)]
    retrieved, cache = [], []
    for Q, M in plan:
        out, P = _hopfield_forward(Q, M, beta)
        R, norms = normalize_rows(out)
        retrieved.append(R)
        cache.append((P, norms))
    Ux, Uy, Vx, Vy = retrieved
    loss1, dUx, dUy = info_loob_loss(Ux, Uy, tau)
    loss2, dVy, dVx = info_loob_loss(Vy, Vx, tau)
    grads = [dUx, dUy, dVx, dVy]
    dU = np.zeros_like(U)
    dV = np.zeros_like(V)
    # Where each query/memory came from: True for U, False for V.
    sources = [(True, True), (False, True), (True, False), (False, False)]
    for (Q, M), (P, norms), R, dR, (q_is_u, m_is_u) in zip(plan, cache, retrieved, grads, sources):
        dO = normalize_rows_backward(dR, R, norms)
        dQ, dM = _hopfield_backward(dO, P, Q, M, beta)
        (dU if q_is_u else dV)[...] += dQ
        (dU if m_is_u else dV)[...] += dM
    return loss1 + loss2, dU, dV


OBJECTIVES = {
    "clip": lambda U, V, tau, reg, beta: info_nce_loss(U, V, tau),
    "clip_reg": lambda U, V, tau, reg, beta: clip_regularized_loss(U, V, tau, reg),
    "infoloob": lambda U, V, tau, reg, beta: info_loob_loss(U, V, tau),
    "cloob": lambda U, V, tau, reg, beta: cloob_loss(U, V, tau, beta),
}
