"""ALIGNF: centered-alignment kernel weights (Cortes, Mohri, Rostamizadeh, JMLR 2012).

With the centering ``H = I - 11^T / n`` and ``K_c = H K H``:

    v* = argmin_{v >= 0}  v^T A v - 2 v^T a,   A_kl = <K_k,c, K_l,c>_F,  a_k = u^T K_k,c u,

for the signed labels ``s`` (sample weights: see :func:`alignment_matrix`).  The
constraint ``v >= 0`` is kept (MKLpy's CKA drops it).  ``A`` is computed without
forming the centred matrices (unweighted:
``<H K_k H, H K_l H> = <K_k, K_l> - 2/n r_k.r_l + S_k S_l / n^2`` with row sums
``r_k`` and totals ``S_k``), so the memory stays that of the Gram stack.
"""

import numpy as np
from scipy.optimize import nnls


def alignment_matrix(K, weights=None, block_rows=None, block_bytes=2 * 2**20):
    """``A_kl = <K_k,c, K_l,c>_W`` for a stack ``K`` of shape (M, n, n).

    With sample weights ``w`` (default 1) the centring is weighted,
    ``K_c = (I - 1 p^T) K (I - p 1^T)`` with ``p = w / sum(w)``, and the inner
    product is ``sum_ij w_i w_j K_c[ij] L_c[ij]``, so a weight 2 is the same as a
    repeated sample.  Since ``K_c p = 0``,
    ``A_kl = <K_k, L_l>_W - 2 W sum_i w_i a_ki a_li + W^2 t_k t_l`` with
    ``a_k = K_k p``, ``t_k = p^T a_k``, ``W = sum w``; the weighted Frobenius
    products are accumulated over row blocks, so no centred copy is stored.
    """
    M, n = K.shape[0], K.shape[1]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    W = w.sum()
    p = w / W
    a = K @ p                                   # (M, n)
    t = a @ p                                   # (M,)
    r = np.sqrt(w)
    G = np.zeros((M, M))
    if block_rows is None:
        # Row blocks of about block_bytes: the weighted copy of a block is the
        # only temporary, so the peak stays a few MiB above the Gram stack.
        block_rows = max(1, int(block_bytes // (8 * M * n)))
    for start in range(0, n, block_rows):
        rows = slice(start, start + block_rows)
        block = (K[:, rows, :] * (r[rows, None] * r[None, :])).reshape(M, -1)
        G += block @ block.T
    return G - 2.0 * W * (a * w) @ a.T + W**2 * np.outer(t, t)


def alignf_objective(v, A, a):
    """``v^T A v - 2 v^T a``."""
    return float(v @ A @ v - 2.0 * v @ a)


def solve_alignf(K, s, weights=None, A=None):
    """Non-negative centered-alignment weights for one target.

    Parameters
    ----------
    K : ndarray of shape (n_kernels, n_samples, n_samples)
    s : ndarray of shape (n_samples,)
        Signed labels.
    weights : ndarray of shape (n_samples,), optional
        Sample weights (see :func:`alignment_matrix`).
    A : ndarray of shape (n_kernels, n_kernels), optional
        :func:`alignment_matrix` of ``K`` with the same weights (shared by tasks).

    Returns
    -------
    v : ndarray of shape (n_kernels,)
        The minimiser, ``v >= 0``.
    objective : float
    """
    w = np.ones(K.shape[1]) if weights is None else np.asarray(weights, dtype=float)
    if A is None:
        A = alignment_matrix(K, w)
    # a_k = sum_ij w_i w_j s_i s_j K_c[ij] = z_c^T K_k z_c,  z_c = (I - p 1^T) (w s)
    z = w * s
    zc = z - (w / w.sum()) * z.sum()
    a = np.einsum("i,mij,j->m", zc, K, zc)
    # An alignment at rounding level of its terms is no alignment (e.g. a
    # constant kernel, whose centred matrix is 0 up to rounding); the terms are
    # bounded by ||zc||_1^2 max |K_m| (reductions, no copy of the stack).
    magnitude = np.abs(zc).sum() ** 2 * np.maximum(K.max(axis=(1, 2)), -K.min(axis=(1, 2)))
    a[np.abs(a) <= 1e-10 * magnitude] = 0.0
    # A = G^T G for G = [vec K_1,c ...] and a = G^T vec(u u^T) lies in its range,
    # so with A = R^T R the problem is the NNLS  min ||R v - z||^2, R^T z = a.
    w, U = np.linalg.eigh(A)
    keep = w > 1e-12 * max(w[-1], 1e-300)
    if not keep.any() or not np.any(a > 0):
        # No kernel aligns with the target (v = 0 minimises v^T A v - 2 v^T a
        # when a <= 0); nnls is not called on an empty system.
        v = np.zeros(A.shape[0])
        return v, alignf_objective(v, A, a)
    R = np.sqrt(w[keep])[:, None] * U[:, keep].T
    z = (U[:, keep].T @ a) / np.sqrt(w[keep])
    v, _ = nnls(R, z, maxiter=50 * A.shape[0])
    return v, alignf_objective(v, A, a)
