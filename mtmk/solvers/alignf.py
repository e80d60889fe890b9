"""ALIGNF: centered-alignment kernel weights (Cortes, Mohri, Rostamizadeh, JMLR 2012).

With the centering ``H = I - 11^T / n`` and ``K_c = H K H``:

    v* = argmin_{v >= 0}  v^T A v - 2 v^T a,   A_kl = <K_k,c, K_l,c>_F,  a_k = u^T K_k,c u,

for the target vector ``u`` (the labels ``s``, weighted: ``u = c * s``).  The
constraint ``v >= 0`` is kept (MKLpy's CKA drops it).  ``A`` is computed without
forming the centred matrices:
``<H K_k H, H K_l H> = <K_k, K_l> - 2/n r_k.r_l + S_k S_l / n^2`` with row sums
``r_k`` and totals ``S_k``, so the memory stays that of the Gram stack.
"""

import numpy as np
from scipy.optimize import nnls


def alignment_matrix(K):
    """``A_kl = <H K_k H, H K_l H>_F`` for a stack ``K`` of shape (M, n, n)."""
    M, n = K.shape[0], K.shape[1]
    flat = K.reshape(M, -1)
    rows = K.sum(axis=2)
    totals = rows.sum(axis=1)
    return flat @ flat.T - (2.0 / n) * rows @ rows.T + np.outer(totals, totals) / n**2


def alignf_objective(v, A, a):
    """``v^T A v - 2 v^T a``."""
    return float(v @ A @ v - 2.0 * v @ a)


def solve_alignf(K, u, A=None):
    """Non-negative centered-alignment weights for one target.

    Parameters
    ----------
    K : ndarray of shape (n_kernels, n_samples, n_samples)
    u : ndarray of shape (n_samples,)
        Target vector (signed, possibly weighted labels).
    A : ndarray of shape (n_kernels, n_kernels), optional
        :func:`alignment_matrix` of ``K`` (shared by all tasks).

    Returns
    -------
    v : ndarray of shape (n_kernels,)
        The minimiser, ``v >= 0``.
    objective : float
    """
    if A is None:
        A = alignment_matrix(K)
    uc = u - u.mean()
    a = np.einsum("i,mij,j->m", uc, K, uc)
    # A = G^T G for G = [vec K_1,c ...] and a = G^T vec(u u^T) lies in its range,
    # so with A = R^T R the problem is the NNLS  min ||R v - z||^2, R^T z = a.
    w, U = np.linalg.eigh(A)
    keep = w > 1e-12 * max(w[-1], 1e-300)
    R = np.sqrt(w[keep])[:, None] * U[:, keep].T
    z = (U[:, keep].T @ a) / np.sqrt(w[keep])
    v, _ = nnls(R, z, maxiter=50 * A.shape[0])
    return v, alignf_objective(v, A, a)
