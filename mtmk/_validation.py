"""Checks at the boundary of the public API: the scale of inputs and kernels.

Kernels and standardisation square the inputs; float64 overflows above about
1e308 and loses every digit below about 1e-308.  Inputs whose magnitude
would leave that range are refused once, where they enter, with what to do.
Precomputed Gram stacks are also checked for symmetry and positive
semi-definiteness (:func:`check_gram_stack`).
"""

import numpy as np
from scipy.linalg import LinAlgError, cholesky

__all__ = ["check_scale", "check_kernel_scale", "check_gram_stack"]

#: Largest and smallest non-zero magnitude accepted for inputs: their squares,
#: sums of squares and products stay far inside float64's range.
LARGE = 1e100
SMALL = 1e-100


def _magnitude(A):
    """``max |A|`` without an absolute-value copy of A (Gram stacks are large)."""
    return max(float(A.max()), -float(A.min())) if A.size else 0.0


def check_scale(X, name="X"):
    """Refuse inputs so large or so small that kernels would overflow or underflow.

    Parameters
    ----------
    X : ndarray
        Finite values (checked before).
    name : str
        The argument's name in the message.

    Raises
    ------
    ValueError
        If the largest magnitude is above ``1e100`` or non-zero and below
        ``1e-100``.
    """
    top = _magnitude(X)
    if top > LARGE:
        raise ValueError(
            f"{name} has values as large as {top:.3g}: its squared norms and inner products "
            "overflow float64 (kernels, distances and standardisation become inf or NaN). "
            "Scale the features, e.g. with sklearn.preprocessing.StandardScaler.")
    if 0.0 < top < SMALL:
        raise ValueError(
            f"{name} has no value larger than {top:.3g} in magnitude: its squared norms and "
            "inner products underflow to 0 in float64 (every kernel would be constant). "
            "Scale the features, e.g. with sklearn.preprocessing.StandardScaler.")
    return X


def check_kernel_scale(K, name="X"):
    """Refuse precomputed Gram matrices that are all zero or of unusable magnitude.

    Parameters
    ----------
    K : ndarray of shape (n_kernels, n_samples, n_samples)
    name : str
    """
    if K.shape[0] == 0:
        raise ValueError(
            f"{name} holds no kernel (its last axis has length 0): pass a Gram stack of "
            "shape (n_samples, n_samples, n_kernels) with n_kernels >= 1.")
    top = _magnitude(K)
    if top == 0.0:
        raise ValueError(
            f"Every precomputed kernel in {name} is 0: no kernel can explain the targets. "
            "Pass non-zero Gram matrices.")
    if top > LARGE or top < SMALL:
        raise ValueError(
            f"The precomputed kernels in {name} have entries as large as {top:.3g}: sums "
            "and products of such values "
            + ("overflow" if top > LARGE else "underflow") + " in float64. Rescale the "
            "kernels (e.g. divide each Gram matrix by its mean diagonal) or scale the "
            "features they are computed from.")
    return K


def check_gram_stack(K, name="X"):
    """Validate a stack of precomputed training Gram matrices.

    Parameters
    ----------
    K : ndarray of shape (n_kernels, n_samples, n_samples)

    Raises
    ------
    ValueError
        If the stack holds no kernel, is all zero or of a magnitude float64
        cannot handle, or a matrix is not square, not symmetric or not
        positive semi-definite (an eigenvalue below ``-1e-6`` times its
        largest).
    """
    if K.ndim != 3 or K.shape[1] != K.shape[2]:
        raise ValueError(
            f"{name} must hold square Gram matrices of shape (n_samples, n_samples, "
            f"n_kernels); got a stack of {K.shape[1:]} blocks.")
    check_kernel_scale(K, name)
    for m, Km in enumerate(K):
        d = np.diag(Km)
        scale = max(float(np.abs(d).max()), 1e-300)
        if float(np.abs(Km - Km.T).max()) > 1e-8 * max(scale, float(np.abs(Km).max())):
            raise ValueError(f"Precomputed kernel {m} is not symmetric.")
        if Km.shape[0] <= 5000:
            # A Cholesky factorisation of K + delta I exists iff no eigenvalue is
            # below -delta; with delta = 1e-6 max diag <= 1e-6 top it costs a
            # fraction of an eigendecomposition, and a failure is confirmed by
            # the eigenvalues (against 1e-6 top) before anything is refused.
            shifted = Km.copy()
            shifted[np.diag_indices_from(shifted)] += 1e-6 * scale
            try:
                cholesky(shifted, lower=True, overwrite_a=True, check_finite=False)
                continue
            except LinAlgError:
                eigenvalues = np.linalg.eigvalsh(Km)
                low, top = float(eigenvalues[0]), float(eigenvalues[-1])
                if low >= -1e-6 * max(abs(top), 1e-300):
                    continue
        else:
            # Too large to factorise here: check the necessary conditions
            # k(x, x) >= 0 and |k(x, z)| <= sqrt(k(x, x) k(z, z)).
            low, top = float(d.min()), float(d.max())
            if low >= 0 and np.any(np.abs(Km) > np.sqrt(np.outer(d, d)) * (1 + 1e-6) + 1e-12):
                low = -np.inf
            if low >= 0:
                continue
        raise ValueError(
            f"Precomputed kernel {m} is not positive semi-definite (smallest "
            f"eigenvalue {low:.3g}, largest {top:.3g}); pass a valid Gram matrix "
            "or add a small multiple of the identity.")
