"""SimpleMKL: reduced-gradient descent on the simplex (Rakotomamonjy et al., JMLR 2008).

Rakotomamonjy, Bach, Canu, Grandvalet (JMLR 2008) minimise

    J(d) = max_{0 <= alpha <= C c, s^T alpha = 0}  1^T alpha - 1/2 sum_m d_m alpha^T H_m alpha

over the simplex ``sum d = 1, d >= 0`` (``H_m = diag(s) K_m diag(s)``).  ``J`` is
convex and differentiable with ``dJ/dd_m = -u_m / 2``, ``u_m = alpha^T H_m alpha``
at the SVM solution.  Each iteration moves along the reduced gradient (the
gradient projected on ``sum d = 1`` with the coordinates at 0 held there when
the gradient pushes them out), with an Armijo line search whose trials are SVM
solves.  The stopping rule is the relative duality gap

    J(d) - (1^T alpha - 1/2 max_m u_m)  <=  tol * J(d),

the optimum being where every kernel in use has the largest ``u_m``.  The
optimal value equals the primal ``1/2 (sum_m ||f_m||)^2 + C sum_i c_i xi_i``.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._result import SolverResult
from ._svm import svm_dual


def quadratic_forms(K, beta):
    """``u_m = beta^T K_m beta`` for every kernel, using only the non-zero betas."""
    support = np.flatnonzero(beta)
    b = beta[support]
    Ks = K[:, support][:, :, support]
    return np.einsum("i,mij,j->m", b, Ks, b)


def _reduced_direction(d, grad):
    """SimpleMKL's descent direction on the simplex (Rakotomamonjy et al., eq. 12)."""
    mu = int(np.argmax(d))
    diff = grad - grad[mu]
    D = -diff
    D[(d <= 0) & (diff > 0)] = 0.0
    D[mu] = 0.0
    D[mu] = -D.sum()
    return D


def solve_simplemkl(K, s, c, C=1.0, tol=1e-3, max_iter=500, svm_tol=1e-6, weights0=None,
                    verbose=0):
    """Solve SimpleMKL for one binary task.

    Parameters
    ----------
    K : ndarray of shape (n_kernels, n_samples, n_samples)
    s : ndarray of shape (n_samples,)
        Labels in {-1, +1}.
    c : ndarray of shape (n_samples,)
        Per-sample multipliers of ``C``.
    C : float
    tol : float
        Relative duality gap at which to stop.
    max_iter : int
        Maximum number of reduced-gradient steps.
    svm_tol : float
        Tolerance of the inner libsvm solves (must be well below ``tol``).
    weights0 : ndarray of shape (n_kernels,), optional
        Starting point on the simplex (uniform by default).
    verbose : int

    Returns
    -------
    SolverResult
        ``weights`` the kernel weights ``d``, ``beta`` the signed coefficients,
        ``objective`` is ``J(d)``, ``violation`` the relative duality gap.
    """
    M = K.shape[0]
    d = np.full(M, 1.0 / M) if weights0 is None else np.asarray(weights0, float) / np.sum(weights0)

    def evaluate(weights):
        sol = svm_dual(np.tensordot(weights, K, axes=1), s, c, C=C, tol=svm_tol)
        return sol, quadratic_forms(K, sol.beta)

    sol, u = evaluate(d)
    step = None
    gap = np.inf
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        J = sol.objective
        gap = (J - (sol.dual.sum() - 0.5 * u.max())) / max(abs(J), 1e-300)
        if verbose and n_iter % verbose == 0:
            print(f"[simplemkl] iter {n_iter}: J={J:.10g} gap={gap:.3g} "
                  f"active={np.count_nonzero(d)}")
        if gap <= tol:
            converged = True
            break
        grad = -0.5 * u
        D = _reduced_direction(d, grad)
        slope = float(grad @ D)
        if slope >= 0:  # no descent direction left: d is optimal up to SVM accuracy
            converged = True
            break
        shrinking = D < 0
        step_max = float(np.min(-d[shrinking] / D[shrinking]))
        # Try the largest feasible step first (it may switch a kernel off), or
        # twice the last accepted step; Armijo backtracking from there.
        trial = step_max if step is None else min(step_max, 2.0 * step)
        accepted = False
        for _ in range(40):
            d_new = np.maximum(d + trial * D, 0.0)
            d_new[d_new < 1e-12 * d_new.max()] = 0.0  # the full step switches a kernel off
            d_new /= d_new.sum()
            sol_new, u_new = evaluate(d_new)
            if sol_new.objective <= J + 1e-4 * trial * slope:
                accepted = True
                break
            trial *= 0.5
        if not accepted:
            # The line search cannot find decrease: J is flat at the accuracy of
            # the inner SVM solves.
            break
        d, sol, u, step = d_new, sol_new, u_new, trial
    if not converged:
        warnings.warn(
            f"SimpleMKL stopped after {n_iter} iterations with a relative duality gap "
            f"of {gap:.3g} > tol={tol:.3g}. Increase max_iter or lower svm_tol.",
            ConvergenceWarning, stacklevel=3)
    return SolverResult(intercept=sol.intercept, objective=sol.objective, n_iter=n_iter,
                        converged=converged, violation=float(gap), weights=d, beta=sol.beta)
