"""Penalties on the kernel blocks of a multi-task multi-kernel model.

Every penalty here is a :class:`~mtmk.solvers.BasePenalty` of the form
``lam * sum_m w_m Omega(a_m) + lam_ridge * sum_mt a_tm^2``, with
``a_tm = ||f_tm||_H`` the task norms, ``Omega`` a norm of a block's task norms
and optional per-kernel weights ``w_m``; a new penalty of that kind is one
class that defines ``Omega``, its dual, its proximal scaling, its terms along
block scales and its subdifferential distance.
"""

import numpy as np

from ._contract import BasePenalty


class _BlockPenalty(BasePenalty):
    """``lam * sum_m w_m Omega(a_m) + lam_ridge * ||a||^2``; subclasses define Omega."""

    def __init__(self, lam, lam_ridge=0.0, weights=None):
        self.lam = float(lam)
        self.lam_ridge = float(lam_ridge)
        self.weights = None if weights is None else np.asarray(weights, dtype=float)

    def __repr__(self):
        return f"{type(self).__name__}(lam={self.lam:g}, lam_ridge={self.lam_ridge:g})"

    def with_lam(self, lam):
        """The same penalty at another ``lam`` (regularisation paths)."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__, lam=float(lam))
        return other

    def _weight(self, m):
        return 1.0 if self.weights is None else float(self.weights[m])

    def _mu(self, m):
        return self.lam * self._weight(m)

    def dual_norm(self, m, g_norms):
        """Dual norm of ``w_m Omega`` at gradient task norms ``g_norms``.

        Block m is zero at the optimum of the problem with every other block
        fixed iff this is at most ``lam`` (without the ridge term's help).
        """
        return self._dual(np.asarray(g_norms, dtype=float)) / self._weight(m)

    # Omega and what follows from it: subclasses
    def _omega(self, a):
        """Omega of task norms ``a`` (..., n_tasks) over the last axis."""
        raise NotImplementedError

    def kernel_norms(self, task_norms):
        return self._omega(np.asarray(task_norms, dtype=float))

    def value(self, task_norms):
        a = np.asarray(task_norms, dtype=float)
        omega = self._omega(a)
        scaled = omega if self.weights is None else self.weights * omega
        return float(self.lam * scaled.sum() + self.lam_ridge * np.sum(a * a))

    def level(self, task_norms):
        """``lam + 2 lam_ridge max_m Omega(a_m)``: the penalty's force."""
        top = float(np.max(self.kernel_norms(task_norms), initial=0.0))
        return self.lam + 2.0 * self.lam_ridge * top

    def _conjugate(self, m, excess):
        """Block m's conjugate from the distance ``excess`` of a gradient to the dual ball.

        ``lam_m Omega + lam_ridge ||.||^2`` has the conjugate
        ``excess^2 / (4 lam_ridge)`` (the dual ball's indicator without a ridge).
        """
        if self.lam_ridge > 0:
            return excess * excess / (4.0 * self.lam_ridge)
        return 0.0 if excess <= 1e-9 * max(self._mu(m), 1e-300) else np.inf

    def _ridge_cvxpy(self, V):
        import cvxpy as cp

        return self.lam_ridge * cp.sum_squares(V) if self.lam_ridge > 0 else 0


class GroupPenalty(_BlockPenalty):
    """Group l1-l2 over kernels (each group: one kernel, all tasks) plus a ridge.

    ``lam_group * sum_m sqrt(sum_t ||f_tm||^2) + lam_ridge * sum_mt ||f_tm||^2``:
    whole kernels drop out for all tasks at once, so the kernel selection is
    shared while the coefficients are task-specific.

    Parameters
    ----------
    lam : float
        Strength of the block norms (``lam_group`` of the estimators).
    lam_ridge : float, default=0.0
        Strength of the squared RKHS-norm ridge.
    weights : ndarray of shape (n_kernels,), optional
        Per-kernel multipliers of ``lam_group``.
    """

    def scale_terms(self, m, a):
        """Penalty of block m with task norms ``s a``, one scale: ``A s + B s^2``.

        ``A = lam_m ||a||`` and ``B = lam_ridge ||a||^2`` for ``s >= 0``.

        Parameters
        ----------
        m : int
            The block (kernel).
        a : ndarray of shape (n_tasks,)
            The block's task norms at ``s = 1``.

        Returns
        -------
        A, B : ndarray of shape (1,)
        """
        square = float(np.sum(np.square(a)))
        return np.array([self._mu(m) * np.sqrt(square)]), np.array([self.lam_ridge * square])

    def _omega(self, a):
        return np.sqrt(np.sum(a * a, axis=-1))

    def _dual(self, g):
        return float(np.sqrt(np.sum(g * g)))

    def conjugate(self, m, g_norms):
        """Conjugate of block m's penalty at a gradient with task norms ``g_norms``.

        ``(||g|| - lam_m)_+^2 / (4 lam_ridge)``; without a ridge, 0 inside the
        ball ``||g|| <= lam_m`` and infinite outside.
        """
        norm = float(np.sqrt(np.sum(np.square(g_norms))))
        return self._conjugate(m, max(norm - self._mu(m), 0.0))

    def prox_scale(self, m, z_norms, step):
        norm = float(np.sqrt(np.sum(np.square(z_norms))))
        threshold = step * self._mu(m)
        shrink = 1.0 + 2.0 * step * self.lam_ridge
        c = 0.0 if norm <= threshold else (1.0 - threshold / norm) / shrink
        return np.full(np.shape(z_norms), c)

    def violation(self, m, g2, gv, v2):
        g2, gv, v2 = float(np.sum(g2)), float(np.sum(gv)), float(np.sum(v2))
        mu = self._mu(m)
        if v2 <= 0.0:
            return max(0.0, float(np.sqrt(max(g2, 0.0))) - mu)
        c = mu / np.sqrt(v2) + 2.0 * self.lam_ridge
        return float(np.sqrt(max(g2 + 2.0 * c * gv + c * c * v2, 0.0)))

    def cvxpy(self, m, V):
        import cvxpy as cp

        return self._mu(m) * cp.norm(V, "fro") + self._ridge_cvxpy(V)


class TaskGroupPenalty(_BlockPenalty):
    """One group per kernel and task: single-task multi-kernel learning.

    ``lam_group * sum_mt ||f_tm|| + lam_ridge * sum_mt ||f_tm||^2``: each task
    selects its own kernels, nothing is shared between tasks.  Fitting all
    tasks at once under this penalty is the same as fitting each task alone.

    Parameters
    ----------
    lam : float
        Strength of the block norms (``lam_group`` of the estimators).
    lam_ridge : float, default=0.0
        Strength of the squared RKHS-norm ridge.
    weights : ndarray of shape (n_kernels,), optional
        Per-kernel multipliers of ``lam_group``.
    """

    separable_tasks = True

    def scale_terms(self, m, a):
        """Penalty of block m with task norms ``s_t a_t``: ``sum_t A_t s_t + B_t s_t^2``.

        ``A_t = lam_m a_t`` and ``B_t = lam_ridge a_t^2`` for ``s >= 0``.

        Parameters
        ----------
        m : int
            The block (kernel).
        a : ndarray of shape (n_tasks,)
            The block's task norms at ``s = 1``.

        Returns
        -------
        A, B : ndarray of shape (n_tasks,)
        """
        a = np.asarray(a, dtype=float)
        return self._mu(m) * a, self.lam_ridge * a * a

    def _omega(self, a):
        return np.sum(a, axis=-1)

    def _dual(self, g):
        return float(np.max(g, initial=0.0))

    def conjugate(self, m, g_norms):
        """Conjugate of block m's penalty at a gradient with task norms ``g_norms``.

        ``sum_t (||g_t|| - lam_m)_+^2 / (4 lam_ridge)``; without a ridge, 0
        inside the box ``max_t ||g_t|| <= lam_m`` and infinite outside.
        """
        excess = np.maximum(np.asarray(g_norms, dtype=float) - self._mu(m), 0.0)
        return self._conjugate(m, float(np.sqrt(np.sum(excess * excess))))

    def prox_scale(self, m, z_norms, step):
        z = np.asarray(z_norms, dtype=float)
        threshold = step * self._mu(m)
        shrink = np.where(z > threshold, 1.0 - threshold / np.where(z > 0, z, 1.0), 0.0)
        return shrink / (1.0 + 2.0 * step * self.lam_ridge)

    def violation(self, m, g2, gv, v2):
        mu = self._mu(m)
        g2, gv, v2 = (np.asarray(x, dtype=float) for x in (g2, gv, v2))
        on = v2 > 0
        c = np.where(on, mu / np.sqrt(np.where(on, v2, 1.0)), 0.0) + 2.0 * self.lam_ridge
        active = np.maximum(g2 + 2.0 * c * gv + c * c * v2, 0.0)
        zero = np.maximum(np.sqrt(np.maximum(g2, 0.0)) - mu, 0.0) ** 2
        return float(np.sqrt(np.sum(np.where(on, active, zero))))

    def cvxpy(self, m, V):
        import cvxpy as cp

        return self._mu(m) * cp.sum(cp.norm(V, 2, axis=0)) + self._ridge_cvxpy(V)


class LpLqPenalty(_BlockPenalty):
    """The lp-lq multi-task MKL penalty (Rakotomamonjy, Flamary, Gasso, Canu, 2011).

    ``lam * sum_m w_m (sum_t ||f_tm||^q)^(p/q)`` with ``0 < p <= 1 <= q <= 2``.
    ``p = 1, q = 2`` is :class:`GroupPenalty`, ``p = 1, q = 1``
    :class:`TaskGroupPenalty`.  Its proximal operator has no closed form for
    ``1 < q < 2``; it is minimised by :func:`mtmk.solvers.solve_lplq`, which
    uses :meth:`value` and, at ``p = 1``, :meth:`violation`.

    Parameters
    ----------
    lam : float
        Strength of the penalty.
    p : float in (0, 1]
        Exponent over kernels (p < 1: sparser, not convex).
    q : float in [1, 2]
        Exponent over tasks (q = 1 decouples the tasks).
    weights : ndarray of shape (n_kernels,), optional
        Per-kernel multipliers of ``lam``.
    """

    def __init__(self, lam, p=1.0, q=2.0, weights=None):
        if not 0 < p <= 1:
            raise ValueError(f"p must be in (0, 1]; got {p}.")
        if not 1 <= q <= 2:
            raise ValueError(f"q must be in [1, 2] (the variational form needs q <= 2); got {q}.")
        if not lam > 0:
            raise ValueError(f"lam must be positive; got {lam}.")
        super().__init__(lam, 0.0, weights)
        self.p, self.q = float(p), float(q)

    def __repr__(self):
        return f"LpLqPenalty(lam={self.lam:g}, p={self.p:g}, q={self.q:g})"

    def _omega(self, a):
        return np.sum(a ** self.q, axis=-1) ** (1.0 / self.q)

    def value(self, task_norms):
        r = self._omega(np.asarray(task_norms, dtype=float)) ** self.p
        return float(self.lam * (r if self.weights is None else self.weights * r).sum())

    def _dual(self, g):
        if self.q == 1:
            return float(np.max(g, initial=0.0))
        q_star = self.q / (self.q - 1.0)
        return float(np.sum(g ** q_star) ** (1.0 / q_star))

    def violation(self, m, g2, gv, v2):
        """Subdifferential distance of the ``p = 1`` problem (per-kernel ``mu_m``)."""
        mu, q = self._mu(m), self.q
        g2, gv, v2 = (np.asarray(x, dtype=float) for x in (g2, gv, v2))
        a = np.sqrt(np.maximum(v2, 0.0))
        r = float(self._omega(a))
        if r <= 0:
            return max(0.0, self._dual(np.sqrt(np.maximum(g2, 0.0))) - mu)
        on = a > 0
        c = np.zeros_like(a)
        c[on] = mu * a[on] ** (q - 2.0) * r ** (1.0 - q)
        terms = np.where(on, g2 + 2.0 * c * gv + c * c * v2, g2)
        if q == 1:
            terms = np.where(on, terms, np.maximum(np.sqrt(np.maximum(g2, 0.0)) - mu, 0.0) ** 2)
        return float(np.sqrt(max(np.sum(np.maximum(terms, 0.0)), 0.0)))

    def cvxpy(self, m, V):
        import cvxpy as cp

        if self.p != 1:
            raise ValueError("The cvxpy reference of the lp-lq penalty needs p = 1 (convex).")
        return self._mu(m) * cp.norm(cp.norm(V, 2, axis=0), self.q)
