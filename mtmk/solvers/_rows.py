"""The block solver over row-partitioned low-rank kernels.

With Nystroem factors ``K_m = Phi_m Phi_m^T`` the model is linear in the
features: task t's decision values are ``F[:, t] = sum_m Phi_m v[m][:, t] + b_t``
with primal coefficients ``v[m] = Phi_m^T alpha[m]`` of shape (r_m, n_tasks).
Every quantity :func:`~mtmk.solvers.solve_bcd` needs is then either small
(``v``, the block gradients ``Phi_m^T R`` of shape (r_m, n_tasks), the task
norms ``||v[m][:, t]||``) or a sum over rows (losses, line-search changes, the
intercepts' derivatives, the certificate).  So the rows can be cut into
blocks that each hold their rows' factors, targets, weights and decision
values, and the solver only exchanges r x T summaries with them: the blocks
live in this process (:class:`LocalBlocks`) or on the workers of a dask
cluster (``mtmk._distributed``), and the iterates are the same.

The iteration is :func:`~mtmk.solvers.solve_bcd`'s, in primal coordinates: a
proximal step on ``alpha[m]`` in the metric of ``K_m`` is the same step on
``v[m]`` in the Euclidean metric, ``<alpha, K alpha> = ||v||^2`` and
``<R, K alpha> = <Phi^T R, v>``.

Factors may be stored in float32 (half the memory).  Every product then
converts :data:`CHUNK_ROWS` rows of a factor at a time to float64 (a chunk
that stays in cache, so the products cost about what single-precision ones
do): the arithmetic, the decision values and the certificate are float64 and
exact for the stored factors; storing them in float32 only rounds the
features (relative 6e-8, far below the Nystroem approximation error).
"""

import numpy as np

from ._bcd import SolverResult, _minimise
from ._contract import SOLVE_ROWS, check_contract
from ._scales import newton_scales, penalty_along_scales, scale_terms

__all__ = ["CHUNK_ROWS", "LocalBlocks", "RowBlock", "solve_rows"]

#: Rows per chunk of float32 factors converted to float64 for a product.
CHUNK_ROWS = 2048

#: Rows per block of an in-process fit.
BLOCK_ROWS = 16384


def _float64_chunks(Phi):
    """``(start, chunk)`` over :data:`CHUNK_ROWS`-row chunks of ``Phi`` in float64.

    float32 chunks are converted into one reused buffer: a fresh array per
    chunk would be a fresh memory mapping wherever the allocator is told to
    return memory eagerly (dask workers set ``MALLOC_TRIM_THRESHOLD_``), and
    its page faults cost five times the product.
    """
    if Phi.dtype == np.float64:
        yield 0, Phi
        return
    buffer = np.empty((min(CHUNK_ROWS, Phi.shape[0]), Phi.shape[1]))
    for start in range(0, Phi.shape[0], CHUNK_ROWS):
        rows = min(CHUNK_ROWS, Phi.shape[0] - start)
        chunk = buffer[:rows]
        chunk[...] = Phi[start:start + rows]
        yield start, chunk


def _t_product(Phi, R):
    """``Phi^T R`` in float64, float32 factors converted chunk by chunk."""
    out = np.zeros((Phi.shape[1], R.shape[1]))
    for start, chunk in _float64_chunks(Phi):
        out += chunk.T @ R[start:start + chunk.shape[0]]
    return out


def _product(Phi, B):
    """``Phi @ B`` in float64, float32 factors converted chunk by chunk."""
    out = np.empty((Phi.shape[0], B.shape[1]))
    for start, chunk in _float64_chunks(Phi):
        np.matmul(chunk, B, out=out[start:start + chunk.shape[0]])
    return out


class RowBlock:
    """Some rows of a low-rank problem and the solver's per-row state.

    Every method returns what the solver needs from these rows: small arrays
    (of shape (n_tasks,), (r_m, n_tasks) or (n_kernels, n_kernels)) or
    nothing.  The decision values ``F`` and the last iterates' ``F`` (for
    Anderson extrapolation) are the only per-row state, O(rows x n_tasks).

    Parameters
    ----------
    factors : list of ndarray of shape (n_rows, r_m)
        The rows of each kernel's Nystroem factor (float32 or float64).
    Y, W : ndarray of shape (n_rows, n_tasks)
        Targets and weights, as in :func:`~mtmk.solvers.solve_bcd` (the
        weights of each task sum to 1 over all blocks).
    datafit : Logistic, SquaredHinge or Quadratic
    """

    def __init__(self, factors, Y, W, datafit):
        self.factors = list(factors)
        self.Y, self.W = np.asarray(Y, dtype=float), np.asarray(W, dtype=float)
        self.datafit = datafit
        self.F = None
        self._P = None
        self._R = None
        self._kept = {}
        self._history = []
        self._candidate = None
        self._scaled_point = None

    # ------------------------------------------------------------ set-up
    def describe(self):
        """Rows, factor bytes and the column sums that fix the first intercepts."""
        Y, W = self.Y, self.W
        return dict(n_rows=Y.shape[0], nbytes=sum(P.nbytes for P in self.factors),
                    weight_max=float(W.max(initial=0.0)),
                    positive=np.sum(W * (Y > 0), axis=0), negative=np.sum(W * (Y < 0), axis=0),
                    weighted=np.sum(W * Y, axis=0), total=W.sum(axis=0))

    def curvature_terms(self, exact):
        """Per kernel: ``Phi^T Phi`` (``exact``) or ``||Phi||_F^2``."""
        if exact:
            return [_t_product(P, P.astype(np.float64)) for P in self.factors]
        return [float(np.einsum("ij,ij->", P, P, dtype=np.float64)) for P in self.factors]

    def start(self, coef, intercept):
        """Set ``F`` from coefficients (None for a zero block); return the loss."""
        F = np.tile(np.asarray(intercept, dtype=float), (self.Y.shape[0], 1))
        for P, C in zip(self.factors, coef):
            if C is not None:
                F += _product(P, C)
        self.F = F
        return self.datafit.value(F, self.Y, self.W)

    # ------------------------------------------------------- block steps
    def gradients(self, kernels):
        """``Phi_m^T R`` for the kernels and ``R.sum(0)``, R the datafit gradient."""
        R = self.datafit.gradient(self.F, self.Y, self.W)
        self._R = R
        return [_t_product(self.factors[m], R) for m in kernels], R.sum(axis=0)

    def prepare(self, m, v, G, a, c):
        """Cache ``Phi_m [v, G]`` (the block's ``K alpha`` and ``K R``); first :meth:`trial`."""
        self._P = (m, _product(self.factors[m], np.hstack([v, G])))
        return self.trial(a, c)

    def _step(self, a, c):
        P = self._P[1]
        T = self.F.shape[1]
        return P[:, :T] * a + P[:, T:] * c

    def trial(self, a, c):
        """Per-task change of the loss and ``<R, D>`` for ``F + D``, ``D = a KA + c KR``."""
        D = self._step(a, c)
        return (self.datafit.difference(self.F, D, self.Y, self.W),
                float(np.sum(self._R * D)))

    def accept(self, a, c, keep):
        """Move to ``F + D`` (the last trial), keeping the block's new ``K alpha`` if
        asked; return :meth:`intercept_terms` at the new point."""
        m, P = self._P
        D = self._step(a, c)
        self.F += D
        if keep:
            self._kept[m] = P[:, :self.F.shape[1]] + D
        self._P = None
        return self.intercept_terms()

    def zero_gradient(self, m, v):
        """``Phi_m^T R0`` with R0 the gradient at ``F - Phi_m v`` (block m at zero)."""
        KA = _product(self.factors[m], v)
        self._P = (m, np.hstack([KA, np.zeros_like(KA)]))
        R0 = self.datafit.gradient(self.F - KA, self.Y, self.W)
        return _t_product(self.factors[m], R0)

    def drop(self, keep):
        """Set the block of the last :meth:`zero_gradient` to zero; return the loss change."""
        m, P = self._P
        D = -P[:, :self.F.shape[1]]
        change = self.datafit.difference(self.F, D, self.Y, self.W)
        self.F += D
        if keep:
            self._kept[m] = np.zeros_like(D)
        self._P = None
        return change

    # --------------------------------------------------------- intercepts
    def intercept_terms(self):
        """Column sums of the datafit gradient and of its Hessian diagonal."""
        return (self.datafit.gradient(self.F, self.Y, self.W).sum(axis=0),
                self.datafit.hessian_diagonal(self.F, self.Y, self.W).sum(axis=0))

    def shift_change(self, delta):
        """Per-task loss change from ``F`` to ``F - delta``."""
        return self.datafit.difference(self.F, -np.broadcast_to(delta, self.F.shape),
                                       self.Y, self.W)

    def shift(self, delta):
        self.F -= delta

    # -------------------------------------------------------- block scales
    def _scaled(self, kernels, coef):
        for m, v in zip(kernels, coef):
            if m not in self._kept:
                self._kept[m] = _product(self.factors[m], v)
        return np.stack([self._kept[m] for m in kernels])

    def scale_terms(self, kernels, coef, S):
        """Per task, gradient and Hessian of the loss in the scales ``S`` (of shape
        (n_kernels, n_tasks)) of the kernels' blocks; remembers the point."""
        if self._scaled_point is None:
            d = self._scaled(kernels, coef)
            self._kept = {}  # now held in d, until forget
        else:  # the same kernels and coefficients until forget
            d = self._scaled_point[0]
        F = self.F + np.einsum("kt,kit->it", S - 1.0, d)
        self._scaled_point = d, F
        return scale_terms(d, self.datafit.gradient(F, self.Y, self.W),
                           self.datafit.hessian_diagonal(F, self.Y, self.W))

    def scale_change(self, dS):
        """Per-task loss change from the last :meth:`scale_terms` point by ``dS``."""
        d, F = self._scaled_point
        return self.datafit.difference(F, np.einsum("kt,kit->it", dS, d), self.Y, self.W)

    def scale_apply(self, S):
        """Rescale the blocks of the last :meth:`scale_terms`; return the loss change."""
        d, _ = self._scaled_point
        D = np.einsum("kt,kit->it", S - 1.0, d)
        change = self.datafit.difference(self.F, D, self.Y, self.W)
        self.F += D
        return change

    def forget(self):
        """Drop the kept ``K alpha`` blocks (stale after a sweep)."""
        self._kept = {}
        self._scaled_point = None

    # ----------------------------------------------------------- Anderson
    def push(self, depth):
        self._history.append(self.F.copy())
        if len(self._history) > depth + 1:
            self._history.pop(0)

    def extrapolate(self, c):
        """Loss at ``sum_k c_k F_k`` over the last iterates (F is affine in them)."""
        F = sum(ck * Fk for ck, Fk in zip(c, self._history[1:]))
        self._history = []
        self._candidate = F
        return self.datafit.value(F, self.Y, self.W)

    def adopt(self, accept):
        if accept:
            self.F = self._candidate
        self._candidate = None


class LocalBlocks:
    """Row blocks held in this process.

    Parameters
    ----------
    blocks : list of RowBlock
    """

    def __init__(self, blocks):
        self.blocks = list(blocks)

    @classmethod
    def split(cls, factors, Y, W, datafit, block_rows=None):
        """Cut the rows into blocks of ``block_rows`` rows (views, no copies).

        Blocks of a few tens of thousands of rows keep every per-row temporary
        (n_rows x n_tasks) small enough for the allocator to reuse, instead of
        a fresh memory mapping, and its page faults, per operation.
        """
        block_rows = BLOCK_ROWS if block_rows is None else block_rows
        n = Y.shape[0]
        return cls([RowBlock([P[start:start + block_rows] for P in factors],
                             Y[start:start + block_rows], W[start:start + block_rows], datafit)
                    for start in range(0, n, block_rows)])

    def map(self, method, *args):
        """Call ``method(*args)`` on every block; the list of what they return."""
        return [getattr(block, method)(*args) for block in self.blocks]


def _sum(results):
    total = results[0]
    for r in results[1:]:
        total = total + r
    return total


class _RowState:
    """The solver's iterate over row blocks: coefficients ``v``, intercepts, loss."""

    def __init__(self, blocks, ranks, n_tasks, datafit, penalty, coef0, intercept0,
                 fit_intercept, anderson_depth):
        self.blocks, self.datafit, self.penalty = blocks, datafit, penalty
        self.fit_intercept = fit_intercept
        self.anderson_depth = anderson_depth
        self.keep = False
        info = blocks.map("describe")
        self.n_samples = sum(i["n_rows"] for i in info)
        self.factor_bytes = sum(i["nbytes"] for i in info)
        self.v = ([np.zeros((r, n_tasks)) for r in ranks] if coef0 is None
                  else [np.array(c, dtype=float) for c in coef0])
        if intercept0 is not None:
            self.b = np.array(intercept0, dtype=float)
        elif not fit_intercept:
            self.b = np.zeros(n_tasks)
        elif datafit.classification:
            # the first intercepts depend on the data through these column sums only
            Ys = np.array([[1.0] * n_tasks, [-1.0] * n_tasks])
            Ws = np.stack([_sum([i["positive"] for i in info]),
                           _sum([i["negative"] for i in info])])
            self.b = datafit.initial_intercept(Ys, Ws)
        else:
            total = _sum([i["total"] for i in info])
            self.b = datafit.initial_intercept(
                (_sum([i["weighted"] for i in info]) / np.maximum(total, 1e-300))[None],
                total[None])
        self.loss = sum(blocks.map("start", self._coef(), self.b))
        # safe steps from the largest eigenvalue of Phi^T Phi (exact while cheap,
        # else the trace); the step search grows them from there
        exact = self.n_samples * max(ranks, default=0) ** 2 <= 5e8
        terms = blocks.map("curvature_terms", exact)
        tops = []
        for m in range(len(ranks)):
            total = _sum([t[m] for t in terms])
            tops.append((float(np.linalg.eigvalsh(total)[-1]) * (1 + 1e-9) + 1e-12
                         if exact and ranks[m] else float(total)))
        scale = datafit.curvature * max(i["weight_max"] for i in info)
        self.safe_step = np.array([1.0 / max(scale * top, 1e-300) for top in tops])
        self.step = self.safe_step.copy()
        self.zero_wait = np.zeros(len(ranks), dtype=int)
        self.zero_backoff = np.ones(len(ranks), dtype=int)

    def _coef(self):
        return [v if np.any(v) else None for v in self.v]

    def task_norms(self):
        return np.array([np.sqrt(np.sum(v * v, axis=0)) for v in self.v])

    def kernel_norms(self):
        return self.penalty.kernel_norms(self.task_norms())

    def level(self):
        return max(self.penalty.level(self.task_norms()), 1e-12)

    def objective(self):
        return self.loss + self.penalty.value(self.task_norms())

    def refresh(self):
        self.loss = sum(self.blocks.map("start", self._coef(), self.b))

    def violation(self):
        """The certificate at the current point (one product per kernel)."""
        results = self.blocks.map("gradients", list(range(len(self.v))))
        rsum = _sum([r[1] for r in results])
        worst = float(np.abs(rsum).max()) if self.fit_intercept else 0.0
        for m, v in enumerate(self.v):
            G = _sum([r[0][m] for r in results])
            worst = max(worst, self.penalty.violation(
                m, np.sum(G * G, axis=0), np.sum(G * v, axis=0), np.sum(v * v, axis=0)))
        return worst / self.level()

    def begin_sweep(self, full_sweep):
        self.keep = not full_sweep

    def visit(self, m):
        v = self.v[m]
        results = self.blocks.map("gradients", [m])
        G = _sum([r[0][0] for r in results])
        g2, gv, v2 = np.sum(G * G, axis=0), np.sum(G * v, axis=0), np.sum(v * v, axis=0)
        violation = self.penalty.violation(m, g2, gv, v2)
        if v2.sum() == 0.0 and violation == 0.0:
            return violation
        t, first = self.step[m], True
        while True:
            z_norms = np.sqrt(np.maximum(v2 - 2.0 * t * gv + t * t * g2, 0.0))
            c = self.penalty.prox_scale(m, z_norms, t)
            new_v = c * (v - t * G)
            dv = new_v - v
            # F moves by Phi (new_v - v) = (c - 1) K alpha - c t K R
            a, cr = c - 1.0, -c * t
            trials = (self.blocks.map("prepare", m, v, G, a, cr) if first
                      else self.blocks.map("trial", a, cr))
            first = False
            decrease = float(_sum([tr[0] for tr in trials]).sum())
            linear = float(sum(tr[1] for tr in trials))
            bound = linear + float(np.sum(dv * dv)) / (2.0 * t)
            if decrease <= bound + 1e-12 * abs(bound):
                break
            if t < 1e-6 * self.safe_step[m]:
                return violation
            t *= 0.5
        self.step[m] = min(2.0 * t, 1e8 * self.safe_step[m])
        terms = self.blocks.map("accept", a, cr, self.keep)
        self.loss += decrease
        self.v[m] = new_v
        new_norm = float(np.sum(new_v * new_v))
        if 0.0 < new_norm < v2.sum() and self._try_zero(m):
            terms = None
        if self.fit_intercept:
            self.intercept_step(terms)
        return violation

    def _try_zero(self, m):
        """Zero test of a shrinking block (see ``solve_bcd``); whether it moved."""
        if self.zero_wait[m] > 0:
            self.zero_wait[m] -= 1
            return False
        G0 = _sum(self.blocks.map("zero_gradient", m, self.v[m]))
        g2 = np.sum(G0 * G0, axis=0)
        zero = np.zeros_like(g2)
        if self.penalty.violation(m, g2, zero, zero) > 0.0:
            self.zero_wait[m] = self.zero_backoff[m]
            self.zero_backoff[m] = min(2 * self.zero_backoff[m], 4)
            return False
        self.loss += float(_sum(self.blocks.map("drop", self.keep)).sum())
        self.v[m] = np.zeros_like(self.v[m])
        self.zero_backoff[m] = 1
        return True

    def intercept_step(self, terms=None):
        if terms is None:
            terms = self.blocks.map("intercept_terms")
        g, h = _sum([t[0] for t in terms]), _sum([t[1] for t in terms])
        curvature = self.datafit.curvature
        newton = np.where(h > 0, g / np.where(h > 0, h, 1.0), g / curvature)
        change = _sum(self.blocks.map("shift_change", newton))
        delta = np.where(change <= 0, newton, g / curvature)
        if not np.all(change <= 0):
            change = _sum(self.blocks.map("shift_change", delta))
        self.blocks.map("shift", delta)
        self.b = self.b - delta
        self.loss += float(change.sum())

    def intercept_violation(self):
        return float(np.abs(_sum([t[0] for t in self.blocks.map("intercept_terms")])).max())

    def scale_step(self, kernels):
        """Projected Newton steps on the scales of the non-zero blocks (see
        :func:`~mtmk.solvers._scales.newton_scales`), summed over row blocks."""
        kernels = [m for m in kernels if np.any(self.v[m])]
        if not kernels:
            self.blocks.map("forget")
            return
        coef = [self.v[m] for m in kernels]
        A, B = penalty_along_scales(self.penalty, self.task_norms(), kernels)
        n_tasks = self.b.size

        def loss_terms(S):
            terms = self.blocks.map("scale_terms", kernels, coef, S)
            return _sum([t[0] for t in terms]), _sum([t[1] for t in terms])

        def loss_change(dS):
            return _sum(self.blocks.map("scale_change", dS))

        s = newton_scales(loss_terms, loss_change, A, B, n_tasks, self.loss)
        if np.any(s != 1.0):
            S = np.broadcast_to(s, (len(kernels), n_tasks))
            self.loss += float(_sum(self.blocks.map("scale_apply", S)).sum())
            for k, m in enumerate(kernels):
                self.v[m] = self.v[m] * S[k]
        self.blocks.map("forget")

    # Anderson extrapolation over (v, b); F follows as the same combination
    def anderson_push(self, anderson):
        x = np.concatenate([v.ravel() for v in self.v] + [self.b])
        anderson.push(x)
        self.blocks.map("push", anderson.depth)

    def anderson_try(self, anderson, current):
        extrapolated = anderson.extrapolate_weights()
        if extrapolated is None:
            return current
        x, c = extrapolated
        anderson.reset()
        loss = sum(self.blocks.map("extrapolate", c))
        shapes = [v.shape for v in self.v]
        split = np.cumsum([int(np.prod(s)) for s in shapes])
        v_new = [part.reshape(s) for part, s in zip(np.split(x[:-self.b.size], split[:-1]), shapes)]
        candidate = loss + self.penalty.value(np.array([np.sqrt(np.sum(v * v, axis=0))
                                                        for v in v_new]))
        accept = candidate < current
        self.blocks.map("adopt", accept)
        if accept:
            self.v, self.b, self.loss = v_new, x[-self.b.size:], loss
            return candidate
        return current


def solve_rows(blocks, ranks, n_tasks, datafit, penalty, *, fit_intercept=True, tol=1e-4,
               max_iter=1000, coef0=None, intercept0=None, anderson_depth=5, verbose=0):
    """Minimise ``datafit + penalty`` over low-rank kernels held in row blocks.

    The iteration of :func:`~mtmk.solvers.solve_bcd` (same working sets,
    step search, block-scale and intercept steps, Anderson extrapolation and
    scale-free certificate) in primal coordinates, with every sum over
    samples computed block by block: only arrays of shape (r_m, n_tasks) or
    smaller travel between the solver and the blocks.

    Parameters
    ----------
    blocks : object with a ``map`` method
        The row blocks, in this process or on a cluster: ``blocks.map(name,
        *args)`` calls method ``name`` of every row block (which holds its
        rows' Nystroem features, targets and decision values) and returns the
        list of results.
    ranks : list of int
        Number of features of each kernel.
    n_tasks : int
        Number of tasks (columns of the targets).
    datafit, penalty
        As for :func:`~mtmk.solvers.solve_bcd` (penalties with a closed-form
        ``prox_scale``).
    fit_intercept, tol, max_iter, anderson_depth, verbose
        As for :func:`~mtmk.solvers.solve_bcd`.
    coef0 : list of ndarray of shape (r_m, n_tasks), optional
        Warm start of the primal coefficients.
    intercept0 : ndarray of shape (n_tasks,), optional
        Warm start of the intercepts.

    Returns
    -------
    SolverResult
        With ``alpha=None`` and ``coef`` the primal coefficients ``v[m]``
        (what multiplies the Nystroem features of new rows).
    """
    check_contract(SOLVE_ROWS, datafit, penalty)
    state = _RowState(blocks, list(ranks), n_tasks, datafit, penalty, coef0, intercept0,
                      fit_intercept, anderson_depth)
    violation, converged, n_iter = _minimise(state, len(ranks), tol, max_iter,
                                             warm=coef0 is not None,
                                             anderson_depth=anderson_depth, verbose=verbose,
                                             fit_intercept=fit_intercept)
    task_norms = state.task_norms()
    return SolverResult(alpha=None, intercept=state.b, task_norms=task_norms,
                        block_norms=penalty.kernel_norms(task_norms),
                        objective=state.objective(), violation=violation, n_iter=n_iter,
                        converged=converged, coef=state.v)
