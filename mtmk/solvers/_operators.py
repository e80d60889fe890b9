"""Kernel operators: the training kernels as the solvers see them.

Solvers only multiply by a kernel, ask for its largest eigenvalue (exact, or
an estimate for large low-rank factors: a step size that backtracking keeps
safe), for a factor ``L`` with ``K = L L^T`` (the cvxpy references), for the
dense Gram matrices (solvers that need them, e.g. the lp-lq alternation), for
the diagonal (the rounding level of a quadratic form) and for the
coefficients that act on test blocks at prediction.
:class:`GramStack` holds exact Gram matrices (from a kernel dictionary or
precomputed by the user), :class:`FactorStack` low-rank Nystroem factors.
"""

import numpy as np


def psd_factor(K, rtol=1e-10):
    """Eigenvectors and eigenvalues of a PSD matrix, dropping the negligible ones.

    Parameters
    ----------
    K : ndarray of shape (n, n)
        Symmetric positive semi-definite.
    rtol : float, default=1e-10
        Eigenvalues at most ``rtol`` times the largest are dropped.

    Returns
    -------
    U : ndarray of shape (n, r)
    w : ndarray of shape (r,)
        Ascending, positive; ``K ~= U diag(w) U^T``.
    """
    w, U = np.linalg.eigh(K)
    keep = w > rtol * max(w[-1], 1e-300) if w.size else np.zeros(0, dtype=bool)
    return U[:, keep], w[keep]


class GramStack:
    """Dense training Gram matrices behind the small interface the solvers use.

    Solvers only multiply by a kernel, ask for its largest eigenvalue (a step
    size) or for a factor ``L`` with ``K = L L^T`` (the cvxpy reference), so a
    low-rank representation can stand in for this class.

    Parameters
    ----------
    K : ndarray of shape (n_kernels, n_samples, n_samples)
        The Gram matrices.
    """

    def __init__(self, K):
        self.K = K
        self._top = {}  # a path asks for the same eigenvalues at every level

    @property
    def n_kernels(self):
        return self.K.shape[0]

    @property
    def n_samples(self):
        return self.K.shape[1]

    def dot(self, m, A):
        """``K_m @ A``."""
        return self.K[m] @ A

    def diagonal(self, m):
        """The diagonal of ``K_m``."""
        return self.K[m].diagonal()

    def top_eigenvalue(self, m):
        """An upper bound of the largest eigenvalue of ``K_m`` (a safe step size).

        Exact for small matrices; above 300 samples the Gershgorin bound (the
        largest absolute row sum), which costs one pass over the matrix and is
        tight for the kernels MKL meets (near-diagonal narrow RBF, near-rank-one
        wide ones); the solvers' step search grows the step from there.
        """
        if m not in self._top:
            Km = self.K[m]
            self._top[m] = (float(np.linalg.eigvalsh(Km)[-1]) * (1 + 1e-9) + 1e-12
                            if Km.shape[0] <= 300 else float(np.abs(Km).sum(axis=1).max()))
        return self._top[m]

    def prediction_coef(self, m, alpha_m):
        """Coefficients acting on test-vs-train Gram blocks: ``alpha_m`` itself."""
        return alpha_m

    def dense(self):
        """The Gram matrices, shape (n_kernels, n_samples, n_samples) (no copy)."""
        return self.K

    def factor(self, m):
        """``L`` with ``K_m ~= L L^T`` (eigenvalues below ``1e-10 * max`` dropped)."""
        U, w = psd_factor(self.K[m])
        return U * np.sqrt(w)


class FactorStack:
    """Low-rank training kernels ``K_m = Phi_m Phi_m^T`` for the solvers.

    Same interface as :class:`GramStack`; a product costs O(n r T) instead of
    O(n^2 T).

    Parameters
    ----------
    factors : list of ndarray of shape (n_samples, r_m)
        The factors ``Phi_m``, one per kernel.
    """

    def __init__(self, factors):
        self.factors = factors
        self._top = {}  # a path asks for the same eigenvalues at every level

    @property
    def n_kernels(self):
        return len(self.factors)

    @property
    def n_samples(self):
        return self.factors[0].shape[0]

    def dot(self, m, A):
        """``K_m @ A`` through the factor."""
        Phi = self.factors[m]
        return Phi @ (Phi.T @ A)

    def diagonal(self, m):
        """The diagonal of ``Phi_m Phi_m^T``: the squared row norms of the factor."""
        Phi = self.factors[m]
        return np.einsum("ij,ij->i", Phi, Phi, dtype=float)

    def top_eigenvalue(self, m):
        """The largest eigenvalue of ``Phi_m Phi_m^T``: exact, or an estimate for large factors.

        Exact (through the small ``Phi^T Phi``, slightly inflated) while that
        is cheap.  For large factors it is the smaller of ``||Phi||_F^2`` (an
        upper bound) and twice a ten-step power-iteration estimate, which is
        *not* a guaranteed bound, only reliable for the fast-decaying eigenvalues
        of Nystroem factors.  The solvers' backtracking keeps steps safe either
        way.
        """
        if m not in self._top:
            self._top[m] = _factor_top_eigenvalue(self.factors[m])
        return self._top[m]

    def factor(self, m):
        return self.factors[m]

    def dense(self):
        """The Gram matrices ``Phi_m Phi_m^T``, shape (n_kernels, n_samples, n_samples)."""
        return np.stack([Phi @ Phi.T for Phi in self.factors])

    def prediction_coef(self, m, alpha_m):
        """Coefficients ``Phi_m^T alpha_m`` acting on test features."""
        return self.factors[m].T @ alpha_m


def _factor_top_eigenvalue(Phi):
    """The largest eigenvalue of ``Phi Phi^T`` (see :meth:`FactorStack.top_eigenvalue`)."""
    n, r = Phi.shape
    if r == 0:
        return 0.0
    if n * r * r <= 5e8:
        return float(np.linalg.eigvalsh(Phi.T @ Phi)[-1]) * (1 + 1e-9) + 1e-12
    v = np.random.default_rng(0).normal(size=r)
    estimate = 0.0
    for _ in range(10):
        w = Phi.T @ (Phi @ v)
        estimate = float(np.linalg.norm(w))
        v = w / max(estimate, 1e-300)
    return min(float(np.sum(Phi * Phi)), 2.0 * estimate)
