"""The MTMK penalty: group l1-l2 over kernels (each group: one kernel, all tasks)
plus a squared-norm ridge.

With ``N_m = sqrt(sum_t ||f_tm||_H^2)`` the RKHS norm of kernel m's block,

    penalty = lam_group * sum_m N_m + lam_ridge * sum_m N_m^2 .
"""

import numpy as np


def group_penalty(norms, lam_group, lam_ridge):
    """Value of the penalty for block norms ``norms`` (shape (n_kernels,))."""
    norms = np.asarray(norms, dtype=float)
    return float(lam_group * norms.sum() + lam_ridge * np.sum(norms**2))


def group_prox_scale(norm, step, lam_group, lam_ridge):
    """Factor ``c`` such that ``c * Z`` is the prox of the penalty at ``Z``.

    Solves ``min_V ||V - Z||^2 / (2 step) + lam_group ||V|| + lam_ridge ||V||^2``
    for a block ``Z`` of norm ``norm``: block soft-thresholding followed by the
    ridge shrinkage.
    """
    if norm <= step * lam_group:
        return 0.0
    return (1.0 - step * lam_group / norm) / (1.0 + 2.0 * step * lam_ridge)


def group_violation(grad_sq, grad_dot_coef, norm_sq, lam_group, lam_ridge):
    """Optimality violation of one block, measured in the block's own metric.

    Parameters
    ----------
    grad_sq : float
        Squared norm of the datafit gradient of the block.
    grad_dot_coef : float
        Inner product of that gradient with the block's coefficients.
    norm_sq : float
        Squared norm of the block.

    Returns
    -------
    float
        ``max(0, ||g|| - lam_group)`` for a zero block (its subdifferential is a
        ball), else ``||g + (lam_group / ||v|| + 2 lam_ridge) v||``.
    """
    if norm_sq <= 0.0:
        return max(0.0, float(np.sqrt(max(grad_sq, 0.0))) - lam_group)
    c = lam_group / np.sqrt(norm_sq) + 2.0 * lam_ridge
    return float(np.sqrt(max(grad_sq + 2.0 * c * grad_dot_coef + c * c * norm_sq, 0.0)))
