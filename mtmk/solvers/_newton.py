"""Second-order steps that move all kernels at once: Newton on the kernel weights.

Every penalty here is, per kernel block, ``mu_m ||a_m|| + rho ||a_m||^2`` of
the block's task norms (``GroupPenalty``: one norm over the tasks;
``TaskGroupPenalty``: one per task).  The norm has the variational form
``mu ||a|| = min_{eta > 0} (mu / 2) (||a||^2 / eta + eta)``, so

    min_f P(f) = min_{eta >= 0} G(eta),
    G(eta) = min_{f, b} [ L(f) + sum_m ||f_m||^2 / (2 theta_m) ] + sum_m mu_m eta_m / 2,

with ``theta_m = eta_m / (mu_m + 2 rho eta_m)``.  For fixed ``eta`` the inner
problem is a single kernel ridge problem with the kernel
``K_theta = sum_m theta_m K_m`` (``f_m = theta_m K_m A``), and ``G`` is convex
in ``eta``: its gradient and its Hessian come from one factorisation of the
joint system and one solve per kernel, so a projected Newton method on
``eta >= 0`` moves all kernel weights together.  This is what block steps
cannot do: between strongly correlated kernels (neighbouring widths) block
coordinate descent trades size over hundreds of sweeps, Newton in ``eta`` in a
few steps (HessianMKL, Chapelle & Rakotomamonjy 2008, for the SVM version).

For the quadratic datafit the inner problem is exact.  Other datafits get an
outer proximal Newton (IRLS) loop: at the current decision values the datafit
is replaced by its second-order model, a weighted least-squares problem with
per-sample weights ``h`` (its Hessian diagonal) and working responses
``z = F - gradient / h``; its solution by Newton in ``eta`` gives a direction,
and a backtracking search on the true objective the step.

For task ``t`` with weights ``h_t`` (its model's curvature) and responses
``z_t`` the inner problem is solved in closed form,

    alpha_t = P_t (z_t - b_t),   P_t = (H_t^{-1} + K_theta)^{-1},
    b_t = <P_t 1, z_t> / <P_t 1, 1>,

and, with ``u_mt = K_m alpha_t`` and ``P~_t`` the projection of ``P_t``
orthogonal to the constant (the intercept),

    dJ_t / dtheta_m = -<alpha_t, u_mt> / 2,
    d2J_t / dtheta_m dtheta_l = <u_mt, P~_t u_lt>.

Exact Gram matrices factor ``I + H^{1/2} K_theta H^{1/2}`` (one Cholesky per
task, or one for all tasks when their weights agree); low-rank factors solve in
the space of the active kernels' features (Woodbury), with the cross-products
``Phi_m^T H Phi_l`` formed once per set of weights.
"""

import warnings

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from sklearn.exceptions import ConvergenceWarning

from ._bcd import SolverResult, _products, _start_intercept, _task_norms, optimality_violation
from ._contract import SOLVE_NEWTON, check_contract
from ._datafits import Quadratic
from ._operators import GramStack

__all__ = ["solve_newton"]


# ------------------------------------------------------------------ joint solves
def _task_groups(theta, h):
    """Tasks that share kernel scales and weights (one factorisation each)."""
    n_tasks = h.shape[1]
    same_theta = theta.shape[1] == 1 or np.all(theta == theta[:, :1])
    if same_theta and np.all(h == h[:, :1]):
        return [np.arange(n_tasks)]
    return [np.array([t]) for t in range(n_tasks)]


def _cholesky(build):
    """Cholesky factor of ``build(0)``, or of ``build(jitter)`` for the smallest jitter
    (relative to the largest diagonal entry) that makes it numerically positive
    definite: kernel weights of 1e12 times the data's curvature turn the
    rounding errors of the Gram matrices into negative eigenvalues."""
    for jitter in (0.0, 1e-13, 1e-11, 1e-9, 1e-7):
        try:
            return cho_factor(build(jitter), lower=True, overwrite_a=True, check_finite=False)
        except np.linalg.LinAlgError:
            continue
    raise np.linalg.LinAlgError(
        "The joint kernel system is not positive definite even with a jitter of 1e-7 of its "
        "diagonal: check that the kernels are positive semi-definite.")


class _Joint:
    """Joint kernel ridge solves at kernel scales ``theta``: the per-task loop.

    Subclasses give ``_operator(column, task)``, the map ``v -> (H^{-1} +
    K_theta)^{-1} v`` of one task's weights, and ``products(a)``.
    """

    def begin(self, h):
        """New model weights ``h`` (n, T)."""
        self.h = h

    def solve(self, theta, z, fit_intercept):
        """Inner solution at kernel scales ``theta`` (M, 1 or T); see :class:`_Inner`."""
        n, n_tasks = z.shape
        alpha, b = np.empty((n, n_tasks)), np.zeros(n_tasks)
        operators = []
        for tasks in _task_groups(theta, self.h):
            apply = self._operator(theta[:, min(tasks[0], theta.shape[1] - 1)], int(tasks[0]))
            zt = z[:, tasks]
            if fit_intercept:
                p1 = apply(np.ones((n, 1)))[:, 0]
                b[tasks] = (p1 @ zt) / p1.sum()
            else:
                p1 = None
            alpha[:, tasks] = apply(zt - b[tasks])
            operators.append((tasks, apply, p1))
        return _Inner(alpha, b, self.products, operators)


class _DenseJoint(_Joint):
    """Joint kernel ridge solves on exact Gram matrices."""

    def __init__(self, operator):
        self.K = operator.K

    def _factor(self, theta_column, h_column, kernels):
        """Cholesky factor of ``I + H^{1/2} K_theta H^{1/2}`` over the rows with ``h > 0``.

        Rows with zero weight (unobserved labels, margins the squared hinge
        does not touch) drop out of the joint system, so it is factored over
        the others only, in one reused buffer.
        """
        rows = np.flatnonzero(h_column > 0)
        full = rows.size == h_column.size
        n = rows.size
        if getattr(self, "_buffer", None) is None or self._buffer.size < n * n:
            self._buffer = np.empty(n * n)
        B = self._buffer[:n * n].reshape(n, n)
        hr = h_column[rows]
        uniform = bool(np.all(hr == hr[0])) if n else True
        scale = float(hr[0]) if (uniform and n) else 1.0
        s = np.sqrt(hr)

        def build(jitter):
            out = B
            out[...] = 0.0
            for m in kernels:
                out += (scale * theta_column[m]) * (self.K[m] if full
                                                     else self.K[m][np.ix_(rows, rows)])
            if not uniform:
                out *= s[:, None]
                out *= s[None, :]
            out.flat[::n + 1] += 1.0 + jitter * float(np.max(np.diag(out), initial=0.0))
            return out

        factor = _cholesky(build) if n else None

        def apply(v):
            """``(H^{-1} + K_theta)^{-1} v`` (zero on the rows with ``h = 0``)."""
            out = np.zeros_like(v)
            if n:
                out[rows] = s[:, None] * cho_solve(factor, s[:, None] * v[rows],
                                                   check_finite=False)
            return out

        return apply

    def _operator(self, column, task):
        return self._factor(column, self.h[:, task], np.flatnonzero(column > 0))

    def products(self, a):
        """``K_m a`` for every kernel."""
        return np.stack([Km @ a for Km in self.K])


class _FactorJoint(_Joint):
    """Joint kernel ridge solves on low-rank factors, in the active kernels' features."""

    def __init__(self, operator):
        self.factors = [np.asarray(P, dtype=float) for P in operator.factors]

    def begin(self, h):
        super().begin(h)
        self._blocks = {}  # cross-products of the factors under the new weights

    def _cross(self, column, kernels):
        """``Phi_A^T diag(h) Phi_A`` over ``kernels``, from cached pairwise blocks."""
        rows = []
        for m in kernels:
            row = []
            for k in kernels:
                key = (column, min(m, k), max(m, k))
                if key not in self._blocks:
                    P, Q = self.factors[key[1]], self.factors[key[2]]
                    self._blocks[key] = P.T @ (self.h[:, [column]] * Q)
                block = self._blocks[key]
                row.append(block if m <= k else block.T)
            rows.append(row)
        return np.block(rows)

    def _operator(self, column, task):
        active = np.flatnonzero(column > 0)
        hcol = self.h[:, task]
        if not active.size:
            return lambda v: hcol[:, None] * v
        Phi = np.hstack([self.factors[m] for m in active])
        scale = np.concatenate([np.full(self.factors[m].shape[1], np.sqrt(column[m]))
                                for m in active])
        cross = scale[:, None] * self._cross(task, active) * scale[None, :]

        def build(jitter):
            inner = cross.copy()
            inner[np.diag_indices_from(inner)] += 1.0 + jitter * float(np.max(np.diag(cross)))
            return inner

        c = _cholesky(build)

        def apply(v):
            # Woodbury: (H^-1 + Phi D Phi^T)^-1 v with D the kernel scales
            Hv = hcol[:, None] * v
            inside = scale[:, None] * cho_solve(c, scale[:, None] * (Phi.T @ Hv),
                                                check_finite=False)
            return Hv - hcol[:, None] * (Phi @ inside)

        return apply

    def products(self, a):
        """``K_m a = Phi_m (Phi_m^T a)`` for every kernel."""
        return np.stack([P @ (P.T @ a) for P in self.factors])


class _Inner:
    """The inner kernel ridge solution at fixed kernel scales.

    ``alpha`` (n, T): coefficients of ``K_theta``; ``b`` the intercepts;
    ``U[m] = K_m alpha`` and ``q[m, t] = <alpha_t, K_m alpha_t>``, computed on
    first use (line-search trials need neither).
    """

    def __init__(self, alpha, b, products, operators):
        self.alpha, self.b = alpha, b
        self._products, self._U = products, None
        self._operators = operators

    @property
    def U(self):
        if self._U is None:
            self._U = self._products(self.alpha)
        return self._U

    @property
    def q(self):
        return np.maximum(np.einsum("mnt,nt->mt", self.U, self.alpha), 0.0)

    def refine(self, theta, z, h):
        """One step of iterative refinement of ``alpha`` and ``b`` (in place).

        The factorisation's rounding (relative ``1e-16`` times the joint
        system's condition number) would otherwise floor the certificate.
        """
        F = np.einsum("mt,mnt->nt", theta, self.U) + self.b
        r = np.where(h > 0, z - F - self.alpha / np.where(h > 0, h, 1.0), 0.0)
        for tasks, apply, p1 in self._operators:
            rt = r[:, tasks]
            db = (p1 @ rt) / p1.sum() if p1 is not None else np.zeros(len(tasks))
            self.alpha[:, tasks] += apply(rt - db)
            self.b[tasks] += db
        self._U = None

    def hessian(self, kernels):
        """``d2J_t / dtheta dtheta`` over ``kernels``: shape (T, k, k)."""
        n_tasks = self.alpha.shape[1]
        out = np.zeros((n_tasks, len(kernels), len(kernels)))
        if not len(kernels):
            return out
        for tasks, apply, p1 in self._operators:
            Ug = self.U[kernels][:, :, tasks]  # (k, n, tg)
            k, n, tg = Ug.shape
            flat = Ug.transpose(1, 0, 2).reshape(n, k * tg)
            PU = apply(flat)
            if p1 is not None:
                PU -= np.outer(p1, p1 @ flat) / p1.sum()
            PU = PU.reshape(n, k, tg)
            out[tasks] = np.einsum("nkt,nlt->tkl", Ug.transpose(1, 0, 2), PU)
        return out


# --------------------------------------------------------- Newton on the weights
class _KernelWeights:
    """Projected Newton on ``eta >= 0`` for one weighted least-squares model.

    ``eta`` has one column (a penalty shared by the tasks: one weight per
    kernel) or one per task (a penalty that is a sum over tasks).
    """

    def __init__(self, joint, penalty, n_kernels, n_tasks, z, fit_intercept, working=None):
        self.joint, self.z, self.fit_intercept = joint, z, fit_intercept
        self.columns = n_tasks if penalty.separable_tasks else 1
        self.mu = np.array([penalty.lam * (1.0 if penalty.weights is None
                                           else float(penalty.weights[m]))
                            for m in range(n_kernels)])[:, None]
        self.rho = float(penalty.lam_ridge)
        self.penalty = penalty
        self.stalled = False  # a Newton direction without any decrease
        self._trusted = 0  # consecutive steps taken on trust (below rounding)
        # the working set: kernels whose weight the Newton steps choose; the
        # others stay at zero until their optimality is violated
        self.working = (np.ones(n_kernels, dtype=bool) if working is None
                        else np.array(working, dtype=bool))

    @property
    def free_kernels(self):
        return (self.mu[:, 0] > 0) & self.working

    def theta(self, eta):
        mu, rho = self.mu, self.rho
        fixed = 1.0 / (2.0 * rho) if rho > 0 else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(mu > 0, eta / (mu + 2.0 * rho * eta), fixed)

    def evaluate(self, eta, hessian=False):
        """``G`` at ``eta``; with ``hessian``, also its gradient and Hessian."""
        theta = self.theta(eta)
        inner = self.joint.solve(np.broadcast_to(theta, (theta.shape[0], self.columns)),
                                 self.z, self.fit_intercept)
        residual = self.z - inner.b
        J = 0.5 * np.sum(residual * inner.alpha, axis=0)  # per task
        if self.columns == 1:
            J = J.sum(keepdims=True)
        # G per column of eta: one value, or one per task (a separable penalty)
        values = J + 0.5 * np.sum(self.mu * eta, axis=0)
        point = dict(eta=eta, theta=theta, inner=inner, values=values,
                     value=float(values.sum()))
        return self.differentiate(point) if hessian else point

    def differentiate(self, point):
        """Add the gradient and Hessian of ``G`` to an evaluated point (no new solve)."""
        eta, inner = point["eta"], point["inner"]
        dJ = -0.5 * inner.q  # (M, T)
        if self.columns == 1:
            dJ = dJ.sum(axis=1, keepdims=True)
        mu, rho = self.mu, self.rho
        # d theta / d eta and d2 theta / d eta2 (zero for kernels without a weight)
        denominator = np.where(mu > 0, mu + 2.0 * rho * eta, 1.0)
        d1 = mu / denominator ** 2
        point["grad"] = np.where(self.free_kernels[:, None], dJ * d1 + 0.5 * mu, 0.0)
        kernels = np.flatnonzero(self.free_kernels)
        Ht = inner.hessian(kernels)  # (T, k, k)
        if self.columns == 1:
            Ht = Ht.sum(axis=0, keepdims=True)
        d1k = d1[kernels].T  # (C, k)
        d2k = (-4.0 * rho * mu / denominator ** 3)[kernels].T
        H = Ht * d1k[:, :, None] * d1k[:, None, :]
        H[:, np.arange(len(kernels)), np.arange(len(kernels))] += dJ[kernels].T * d2k
        point["hessian"], point["kernels"] = H, kernels
        return point

    def newton_step(self, point):
        """Projected Newton direction (Bertsekas' epsilon-active set)."""
        eta, g, H, kernels = point["eta"], point["grad"], point["hessian"], point["kernels"]
        direction = np.zeros_like(eta)
        for c in range(self.columns):
            e, gc, Hc = eta[kernels, c], g[kernels, c], H[c]
            diag = np.maximum(np.diag(Hc), 1e-300)
            width = float(np.max(np.abs(e - np.maximum(e - gc / diag, 0.0)), initial=0.0))
            eps = min(1e-2 * float(np.max(e, initial=0.0)), width)
            free = ~((e <= eps) & (gc > 0))
            if not free.any():
                continue
            Hf = Hc[np.ix_(free, free)]
            Hf = Hf + 1e-12 * max(np.trace(Hf), 1e-300) * np.eye(Hf.shape[0])
            try:
                step = np.linalg.solve(Hf, gc[free])
            except np.linalg.LinAlgError:
                step = gc[free] / diag[free]
            d = np.zeros_like(e)
            d[free] = -step
            # epsilon-active weights with a positive gradient go to zero
            d[~free] = -e[~free]
            direction[kernels, c] = d
        return direction

    def minimise(self, eta, stop, max_steps):
        """Newton steps from ``eta`` until ``stop(point)``; returns (point, steps)."""
        point = self.evaluate(eta, hessian=True)
        steps = 0
        if not len(point["kernels"]):
            return point, steps  # every weight is fixed: one ridge solve
        while steps < max_steps and not stop(point):
            direction = self.newton_step(point)
            accepted = self._line_search(point, direction)
            steps += 1
            if accepted is None:
                self.stalled = True
                break
            point = self.differentiate(accepted)
        return point, steps

    def _line_search(self, point, direction):
        """Backtracking along the projected Newton direction, per column of ``eta``.

        With a penalty that is a sum over tasks, ``G`` is a sum of independent
        per-task terms, so each task keeps its own step (the hardest task
        does not hold back the others).  Returns the accepted point, or None
        when no column decreased.
        """
        eta = point["eta"]
        t = np.ones(self.columns)
        done = np.zeros(self.columns, dtype=bool)
        moved = np.zeros(self.columns, dtype=bool)
        target = eta.copy()
        candidate = None
        for _ in range(30):
            trial = np.where(done, target, np.maximum(eta + t * direction, 0.0))
            candidate = self.evaluate(trial)
            slope = np.sum(point["grad"] * (trial - eta), axis=0)
            excess = candidate["values"] - point["values"]
            # a decrease below G's rounding cannot be checked: near the
            # optimum the full Newton step is taken on trust
            scale = 1e-12 * np.abs(point["values"])
            negligible = (t == 1.0) & (-slope <= scale) & (excess <= scale)
            decreased = excess <= 1e-4 * np.minimum(slope, 0.0)
            ok = ~done & (decreased | negligible)
            target[:, ok] = trial[:, ok]
            moved |= ok
            done |= ok
            if done.all():
                # steps on trust alone, three in a row: the certificate sits at
                # its rounding floor and no step can be checked any more
                self._trusted = 0 if np.any(decreased & ~negligible) else self._trusted + 1
                return None if self._trusted >= 3 else candidate
            # backtrack to the minimiser of the quadratic through G(0),
            # G'(0) and G(t), kept within [t / 10, t / 2]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(excess > slope, -slope / (2.0 * (excess - slope)), 0.5)
            t = np.where(done, t, t * np.clip(np.nan_to_num(ratio, nan=0.5), 0.1, 0.5))
        if not moved.any():
            return None
        return self.evaluate(target)  # the columns that never decreased stay put

    def fixed_point(self, eta):
        """``eta_m <- ||f_m||`` (the exact minimiser of the bound at fixed f)."""
        point = self.evaluate(eta)
        theta = np.broadcast_to(point["theta"], point["inner"].q.shape)
        norms = theta * np.sqrt(point["inner"].q)
        if self.columns == 1:
            norms = np.sqrt(np.sum(norms * norms, axis=1, keepdims=True))
        return np.where(self.free_kernels[:, None], norms, 0.0)

    def violations(self, point):
        """Each kernel's violation of the model's optimality, relative to the penalty level.

        At the inner solution the model's gradient in the decision values is
        ``-alpha``, so every block statistic follows from ``q``.
        """
        q = point["inner"].q
        theta = np.broadcast_to(point["theta"], q.shape)
        worst = np.array([self.penalty.violation(m, q[m], -theta[m] * q[m],
                                                 theta[m] ** 2 * q[m])
                          for m in range(q.shape[0])])
        return worst / max(self.penalty.level(theta * np.sqrt(q)), 1e-12)

    def solve(self, eta, tol, max_steps, grow=3):
        """Newton steps over the working set, which grows by the ``grow`` worst
        violators outside it until the model's certificate is below ``tol``.

        Returns the last point and the number of Newton steps.
        """
        steps = 0
        while True:
            point, taken = self.minimise(
                eta, lambda p: self.violations(p)[self.working].max(initial=0.0) < tol,
                max_steps - steps)
            steps += taken
            eta = point["eta"]
            outside = self.violations(point) * ~self.working
            if self.stalled or steps >= max_steps or outside.max(initial=0.0) < tol:
                return point, steps
            worst = np.argsort(outside)[::-1][:grow]
            self.working[worst[outside[worst] >= tol]] = True

    def start(self, tol):
        """A cold start: the kernels that violate optimality at zero, from one
        fixed-point step from small weights."""
        zero = np.zeros((self.mu.shape[0], self.columns))
        self.working = self.violations(self.evaluate(zero)) >= tol
        return self.fixed_point(np.where(self.free_kernels[:, None], 0.1, 0.0))


# ------------------------------------------------------------------ the solver
def _joint(operator):
    return _DenseJoint(operator) if isinstance(operator, GramStack) else _FactorJoint(operator)


def solve_newton(operator, Y, W, datafit, penalty, *, fit_intercept=True, tol=1e-4,
                 max_iter=200, alpha0=None, intercept0=None, verbose=0):
    """Minimise ``datafit + penalty`` by Newton steps on the kernel weights.

    Each step solves one joint kernel ridge problem with the kernel
    ``sum_m theta_m K_m`` and moves every kernel weight at once (see the
    module docstring); for datafits other than least squares an outer
    proximal Newton loop supplies weighted least-squares models.  Each
    Newton step factors an n x n matrix (exact Gram matrices; one per task
    whose weights differ) or a matrix of the active kernels' total rank
    (low-rank factors).

    Parameters
    ----------
    operator : GramStack or FactorStack
        Training kernels.
    Y, W : ndarray of shape (n_samples, n_tasks)
        Targets and normalised weights, as for :func:`solve_bcd`.
    datafit : Logistic, SquaredHinge, Quadratic or any datafit with
        ``gradient``, ``hessian_diagonal``, ``difference`` and ``value``
        The loss over the task-wise decision values.
    penalty : GroupPenalty or TaskGroupPenalty
        A weighted sum of block norms plus a ridge term.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per task.
    tol : float, default=1e-4
        Stop when the scale-free certificate (see :func:`optimality_violation`)
        falls below ``tol``.
    max_iter : int, default=200
        Maximum number of Newton steps on the kernel weights, over all outer
        steps.
    alpha0, intercept0 : ndarray, optional
        Warm start.
    verbose : int, default=0
        Print the objective and certificate after every outer step.

    Returns
    -------
    SolverResult
        ``n_iter`` counts the Newton steps on the kernel weights.

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk import KernelDictionary
    >>> from mtmk.solvers import GramStack, GroupPenalty, Quadratic, solve_newton
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> Y = np.column_stack([np.sin(X[:, 0]), X[:, 1] ** 2]) + 0.1 * rng.normal(size=(200, 2))
    >>> operator = GramStack(KernelDictionary().fit(X).gram())
    >>> W = np.full(Y.shape, 1 / 200)
    >>> result = solve_newton(operator, Y, W, Quadratic(), GroupPenalty(1e-3), tol=1e-6)
    >>> bool(result.converged), result.n_iter < 30
    (True, True)
    """
    check_contract(SOLVE_NEWTON, datafit, penalty)
    n_kernels, (n, n_tasks) = operator.n_kernels, Y.shape
    if any(penalty.lam * (1.0 if penalty.weights is None else float(penalty.weights[m])) <= 0
           for m in range(n_kernels)) and penalty.lam_ridge <= 0:
        raise ValueError("solve_newton needs every kernel penalised: a positive penalty "
                         "level for each kernel or a positive ridge term.")
    joint = _joint(operator)
    alpha = (np.zeros((n_kernels, n, n_tasks)) if alpha0 is None
             else np.array(alpha0, dtype=float))
    b = (np.array(intercept0, dtype=float) if intercept0 is not None
         else _start_intercept(Y, W, datafit, fit_intercept))
    KA = _products(operator, alpha)
    F = KA.sum(axis=0) + b
    loss = datafit.value(F, Y, W)
    columns = n_tasks if penalty.separable_tasks else 1
    warm = alpha0 is not None and np.any(alpha)
    eta = (penalty.kernel_norms(_task_norms(alpha, KA))[:, None] if columns == 1
           else _task_norms(alpha, KA)) if warm else None
    exact_model = isinstance(datafit, Quadratic)  # its second-order model is exact
    violation = optimality_violation(operator, alpha, b, Y, W, datafit, penalty,
                                     fit_intercept, KA=KA)
    n_iter, converged = 0, violation < tol
    while not converged and n_iter < max_iter:
        g = datafit.gradient(F, Y, W)
        h = np.asarray(datafit.hessian_diagonal(F, Y, W), dtype=float)
        # samples with a gradient but no curvature (the linear pieces of
        # robust losses) get a small curvature, so the model stays bounded
        h = np.where((h <= 0) & (g != 0), 1e-3 * datafit.curvature * W, h)
        z = np.where(h > 0, F - g / np.where(h > 0, h, 1.0), F)
        joint.begin(np.where(h > 0, h, 0.0))
        weights = _KernelWeights(joint, penalty, n_kernels, n_tasks, z, fit_intercept,
                                 working=None if eta is None else eta.any(axis=1))
        inner_tol = tol if exact_model else max(tol, 0.1 * violation)
        if eta is None or not eta.any():
            eta = weights.start(inner_tol)
        point, steps = weights.solve(eta, inner_tol, max_iter - n_iter)
        n_iter += max(steps, 1)
        eta = point["eta"]
        theta = np.broadcast_to(point["theta"], (n_kernels, n_tasks))
        inner = point["inner"]
        inner.refine(theta, z, joint.h)
        new_alpha = theta[:, None, :] * inner.alpha[None]
        new_KA = theta[:, None, :] * inner.U
        new_b = inner.b if fit_intercept else b
        alpha, KA, b, F, loss = _line_search(alpha, KA, b, F, loss, new_alpha, new_KA, new_b,
                                             Y, W, datafit, penalty)
        violation = optimality_violation(operator, alpha, b, Y, W, datafit, penalty,
                                         fit_intercept, KA=KA)
        converged = violation < tol
        if verbose:
            print(f"[mtmk newton] step {n_iter:4d}  objective "
                  f"{loss + penalty.value(_task_norms(alpha, KA)):.10g}  "
                  f"certificate {violation:.3e}")
        if weights.stalled or (exact_model and not converged and steps == 0):
            break
    if not converged:
        warnings.warn(
            f"The Newton solver did not reach tol={tol:g} in max_iter={max_iter} steps; "
            f"the optimality certificate is {violation:.3g} (relative to the penalty "
            "level). Increase max_iter, loosen tol or increase the penalty.",
            ConvergenceWarning)
    task_norms = _task_norms(alpha, KA)
    return SolverResult(alpha=alpha, intercept=b, task_norms=task_norms,
                        block_norms=penalty.kernel_norms(task_norms),
                        objective=loss + penalty.value(task_norms), violation=violation,
                        n_iter=n_iter, converged=converged)


def _line_search(alpha, KA, b, F, loss, new_alpha, new_KA, new_b, Y, W, datafit, penalty):
    """Backtracking from the current point towards the model's minimiser.

    Task norms along the segment are quadratic in the step, so each trial
    costs one datafit difference.
    """
    dA, dKA, db = new_alpha - alpha, new_KA - KA, new_b - b
    dF = dKA.sum(axis=0) + db
    c0 = np.einsum("mnt,mnt->mt", alpha, KA)
    c1 = np.einsum("mnt,mnt->mt", alpha, dKA) + np.einsum("mnt,mnt->mt", dA, KA)
    c2 = np.einsum("mnt,mnt->mt", dA, dKA)

    def penalty_at(s):
        return penalty.value(np.sqrt(np.maximum(c0 + s * c1 + s * s * c2, 0.0)))

    start = loss + penalty_at(0.0)
    s = 1.0
    for _ in range(40):
        change = float(datafit.difference(F, s * dF, Y, W).sum())
        if change + penalty_at(s) <= start:
            return (alpha + s * dA, KA + s * dKA, b + s * db, F + s * dF, loss + change)
        s *= 0.5
    return alpha, KA, b, F, loss
