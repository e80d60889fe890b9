"""Projected Newton steps on the scales of the coefficient blocks.

Candidate kernels are often strongly correlated (neighbouring widths), so
block steps trade size between them slowly, and a kernel that ends at zero
shrinks slowly.  Over the scales ``s`` of the blocks (``alpha_m <- s_m
alpha_m``) the problem is small, needs no kernel product (``K_m alpha_m`` is
known) and is solved by projected Newton steps with the datafit's Hessian and
backtracking, down to exact zeros.  Both block solvers (dual coefficients and
row blocks) take this step after every sweep; they differ only in how they sum
the datafit's terms over samples.

For a penalty that is a sum over tasks the tasks are separate problems, and
one scale per block would tie the hardest task's progress to all others: each
task then has its own scale per block.
"""

import numpy as np

__all__ = ["newton_scales", "penalty_along_scales", "scale_terms"]


def penalty_along_scales(penalty, task_norms, blocks):
    """The penalty along the scales of ``blocks``: ``sum A s + B s^2`` (s >= 0).

    Asks each block's exact coefficients of the penalty (``penalty.scale_terms``).

    Parameters
    ----------
    penalty : GroupPenalty, TaskGroupPenalty or any penalty with ``scale_terms``
    task_norms : ndarray of shape (n_kernels, n_tasks)
    blocks : list of int

    Returns
    -------
    A, B : ndarray of shape (len(blocks), n_tasks) or (len(blocks), 1)
        One column per task when the penalty is a sum over tasks, else a
        single column (one scale per block).
    """
    terms = [penalty.scale_terms(m, task_norms[m]) for m in blocks]
    return np.stack([a for a, _ in terms]), np.stack([b for _, b in terms])


def scale_terms(d, gradient, hessian_diagonal):
    """Each task's gradient and Hessian of a loss in the scales of directions ``d``.

    Parameters
    ----------
    d : ndarray of shape (n_blocks, n_samples, n_tasks)
        The blocks' contributions ``K_m alpha_m`` to the decision values.
    gradient, hessian_diagonal : ndarray of shape (n_samples, n_tasks)
        The datafit's gradient and Hessian diagonal in the decision values.

    Returns
    -------
    g : ndarray of shape (n_blocks, n_tasks)
    H : ndarray of shape (n_tasks, n_blocks, n_blocks)
    """
    per_task = d.transpose(2, 0, 1)  # (T, k, n): one matrix product per task
    return (np.einsum("nt,knt->kt", gradient, d),
            (per_task * hessian_diagonal.T[:, None, :]) @ per_task.transpose(0, 2, 1))


def newton_scales(loss_terms, loss_change, A, B, n_tasks, loss, max_steps=5):
    """Minimise ``loss(s) + sum(A s + B s^2)`` over scales ``s >= 0`` from ``s = 1``.

    Parameters
    ----------
    loss_terms : callable
        ``loss_terms(S)`` with ``S`` of shape (n_blocks, n_tasks) (each task's
        scale of each block) returns the gradient of each task's loss in its
        scales, shape (n_blocks, n_tasks), and its Hessians, shape
        (n_tasks, n_blocks, n_blocks).
    loss_change : callable
        ``loss_change(S)``: each task's loss change, shape (n_tasks,), from
        the scales of the last ``loss_terms`` call to scales ``S`` (of shape
        (n_blocks, n_tasks)).  A ``loss_terms`` call at the scales of the
        last ``loss_change`` follows that trial (it was accepted).
    A, B : ndarray of shape (n_blocks, n_tasks) or (n_blocks, 1)
        The penalty along the scales (:func:`penalty_along_scales`); a single
        column means one scale per block shared by all tasks.
    n_tasks : int
    loss : float
        The current loss: Newton stops once it predicts a decrease below
        1e-12 of it (every trial costs a pass over all samples).

    Returns
    -------
    ndarray of the shape of ``A``
        The scales (ones if no step decreased the objective).
    """
    n_blocks, n_columns = A.shape
    shared = n_columns == 1
    s = np.ones((n_blocks, n_columns))
    active = np.ones(n_columns, dtype=bool)
    negligible = 1e-12 * max(abs(loss), 1e-300) / n_columns
    diagonal = np.arange(n_blocks)

    def per_task(x):
        return np.broadcast_to(x, (n_blocks, n_tasks))

    for _ in range(max_steps):
        g, H = loss_terms(per_task(s))
        if shared:
            g, H = g.sum(axis=1, keepdims=True), H.sum(axis=0, keepdims=True)
        g = g + A + 2.0 * B * s
        H = H + (2.0 * B.T + 1e-12 * np.maximum(np.trace(H, axis1=1, axis2=2), 1e-300)[:, None]
                 )[:, :, None] * np.eye(n_blocks)
        # scales at zero that the gradient pushes below zero stay fixed: identity
        # rows and columns, zero gradient
        fixed = ~((s > 0.0) | (g < 0.0))
        H[fixed.T] = 0.0
        H.transpose(0, 2, 1)[fixed.T] = 0.0
        H[:, diagonal, diagonal] += fixed.T
        g = np.where(fixed, 0.0, g)
        try:
            step = np.linalg.solve(H, g.T[:, :, None])[:, :, 0].T
        except np.linalg.LinAlgError:
            break
        active &= np.sum(g * step, axis=0) > negligible
        if not active.any():
            break
        t = np.ones(n_columns)
        accepted = np.zeros(n_columns, dtype=bool)
        s_new = s
        for _ in range(20):
            trial = np.where(active & ~accepted, np.maximum(s - t * step, 0.0), s_new)
            change = loss_change(per_task(trial))
            if shared:
                change = change.sum(keepdims=True)
            change = change + np.sum(A * (trial - s) + B * (trial ** 2 - s ** 2), axis=0)
            newly = active & ~accepted & (change < 0)
            s_new = np.where(newly, trial, s_new)
            accepted |= newly
            if np.all(accepted | ~active):
                break
            t = np.where(accepted, t, 0.5 * t)
        active &= accepted
        if not active.any():
            break
        s = s_new
    return s
