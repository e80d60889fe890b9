"""Checks at the boundary of the public API: the scale of inputs and kernels.

Kernels and standardisation square the inputs; float64 overflows above about
1e308 and loses every digit below about 1e-308.  Inputs whose magnitude
would leave that range are refused once, where they enter, with what to do.
"""


__all__ = ["check_scale", "check_kernel_scale"]

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
