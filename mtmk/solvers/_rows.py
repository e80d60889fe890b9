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

The iteration is :func:`~mtmk.solvers.solve_bcd`'s (one implementation,
:mod:`mtmk.solvers._iterate`), in primal coordinates: a proximal step on
``alpha[m]`` in the metric of ``K_m`` is the same step on ``v[m]`` in the
Euclidean metric, ``<alpha, K alpha> = ||v||^2`` and ``<R, K alpha> = <Phi^T R,
v>``.

Factors may be stored in float32 (half the memory; storing them only rounds
the features, relative 6e-8, far below the Nystroem approximation error).
The products that move the decision values (``Phi v``) then convert
:data:`CHUNK_ROWS` rows of a factor at a time to float64 (a chunk that stays
in cache): their rounding would accumulate in ``F`` step after step.  So
are the block gradients ``Phi^T R``, unless ``mixed_precision`` asks for
them in float32 (each chunk's product added in float64) while the sweeps'
violation is well above that rounding, which is measured against float64
products when ``F`` is recomputed (:meth:`Iterate.refresh
<mtmk.solvers._iterate.Iterate.refresh>`), then in float64.  The
certificate always reads float64 products, so it is exact for the stored
factors whatever the precision of the sweeps.

On request (``subsample``), the sweeps over all rows start from the
solution on a row subsample (every step-th row of each block, views of its
factors).
"""

import numpy as np

from ._contract import SOLVE_ROWS, check_contract
from ._datafits import column_sums, datafit_point
from ._iterate import BlockRows, Iterate, _sum, minimise
from ._result import SolverResult

__all__ = ["CHUNK_ROWS", "LocalBlocks", "RowBlock", "solve_rows", "subsample_rows"]

#: Rows per chunk of float32 factors converted to float64 for a product (or
#: multiplied in float32, the chunks' products added in float64).
CHUNK_ROWS = 512

#: Rows per block of an in-process fit.
BLOCK_ROWS = 16384

#: Rows from which :func:`solve_rows` starts from a fit on a row subsample.
SUBSAMPLE_FROM = 50_000


def subsample_rows(n_rows):
    """The rows of the subsample :func:`solve_rows` starts from (0: none).

    From :data:`SUBSAMPLE_FROM` rows on, ``100 sqrt(n_rows)`` rows (22,400 of
    50,000; 31,600 of 100,000; 100,000 of a million): enough that the
    subsample's solution is close to the final one, few enough that its
    sweeps cost a fraction of those over all rows.

    Parameters
    ----------
    n_rows : int

    Returns
    -------
    int
    """
    return int(100 * np.sqrt(n_rows)) if n_rows >= SUBSAMPLE_FROM else 0


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


def _t_product(Phi, R, single=False):
    """``Phi^T R`` in float64, float32 factors converted chunk by chunk.

    ``single``: float32 factors multiply ``R`` rounded to float32, in float32
    arithmetic within each chunk, the chunks' products added in float64.
    """
    out = np.zeros((Phi.shape[1], R.shape[1]))
    if single and Phi.dtype == np.float32:
        R = R.astype(np.float32)
        for start in range(0, Phi.shape[0], CHUNK_ROWS):
            out += Phi[start:start + CHUNK_ROWS].T @ R[start:start + CHUNK_ROWS]
        return out
    for start, chunk in _float64_chunks(Phi):
        out += chunk.T @ R[start:start + chunk.shape[0]]
    return out


def _product(Phi, B, single=False):
    """``Phi @ B`` in float64, float32 factors converted chunk by chunk.

    ``single``: float32 factors multiply ``B`` rounded to float32, in float32.
    """
    if single and Phi.dtype == np.float32:
        return (Phi @ B.astype(np.float32)).astype(np.float64)
    out = np.empty((Phi.shape[0], B.shape[1]))
    for start, chunk in _float64_chunks(Phi):
        np.matmul(chunk, B, out=out[start:start + chunk.shape[0]])
    return out


class RowBlock(BlockRows):
    """Some rows of a low-rank problem and the solver's per-row state.

    Every method returns what the solver needs from these rows: small arrays
    (of shape (n_tasks,), (r_m, n_tasks) or (r_m, r_m)) or nothing.  The
    decision values ``F`` and the last iterates' ``F`` (for Anderson
    extrapolation) are the only per-row state, O(rows x n_tasks).

    Parameters
    ----------
    factors : list of ndarray of shape (n_rows, r_m)
        The rows of each kernel's Nystroem factor (float32 or float64).
    Y, W : ndarray of shape (n_rows, n_tasks)
        Targets and weights, as in :func:`~mtmk.solvers.solve_bcd` (the
        weights of each task sum to 1 over all blocks).
    datafit : Logistic, SquaredHinge or Quadratic
        The loss over the task-wise decision values.
    """

    def __init__(self, factors, Y, W, datafit):
        super().__init__(Y, W, datafit)
        self.factors = list(factors)
        self._KA = {}  # the known K alpha = Phi_m v_m of non-zero blocks
        self._history = []
        self._candidate = None
        self.single = False
        self._restricted = []  # the (factors, Y, W) each restrict left

    # ------------------------------------------------------------ set-up
    def sample_weight(self, step):
        """Per task, the weight of the rows :meth:`restrict` keeps."""
        return column_sums(self._rows(self.W, step))

    @staticmethod
    def _rows(A, step):
        return A[step // 2::step]

    def restrict(self, step=None, scale=None):
        """Keep every ``step``-th row, their weights times ``scale`` (views of the
        factors); ``None``: the rows before the last restrict again.  ``F`` is
        set again by :meth:`start`."""
        if step is None:
            self.factors, self.Y, self.W = self._restricted.pop()
        else:
            self._restricted.append((self.factors, self.Y, self.W))
            self.factors = [self._rows(P, step) for P in self.factors]
            self.Y, self.W = self._rows(self.Y, step), self._rows(self.W, step) * scale
        self.F, self._KA, self._history, self._candidate = None, {}, [], None

    def describe(self):
        """Rows, factor bytes, the largest weight and whether a factor is float32."""
        return dict(n_rows=self.Y.shape[0], nbytes=sum(P.nbytes for P in self.factors),
                    weight_max=float(self.W.max(initial=0.0)),
                    float32=any(P.dtype == np.float32 for P in self.factors))

    def set_single(self, single):
        """Multiply float32 factors in float32 (``single``) or in float64."""
        self.single = bool(single)

    def curvature_terms(self, exact):
        """Per kernel: ``Phi^T Phi`` (``exact``) or ``||Phi||_F^2``."""
        if exact:
            return [_t_product(P, P.astype(np.float64)) for P in self.factors]
        return [float(np.einsum("ij,ij->", P, P, dtype=np.float64)) for P in self.factors]

    def start(self, coef, intercept):
        """Set ``F`` from coefficients (None for a zero block); return the loss."""
        F = np.tile(np.asarray(intercept, dtype=float), (self.Y.shape[0], 1))
        self._KA = {}
        for m, (P, C) in enumerate(zip(self.factors, coef)):
            if C is not None:
                self._KA[m] = _product(P, C)
                F += self._KA[m]
        self.F = F
        return self.at.value()

    # ------------------------------------------------------- block steps
    def gradients(self, kernels, exact=False):
        """``Phi_m^T R`` for the kernels and ``R.sum(0)``, R the datafit gradient
        (``exact``: float64 products whatever the precision set)."""
        R = self._R = self.at.gradient
        single = self.single and not exact
        return [_t_product(self.factors[m], R, single) for m in kernels], column_sums(R)

    def _block(self, m, v):
        """Block m's ``K alpha = Phi_m v``: kept since its last step, or computed."""
        KA = self._KA.get(m)
        if KA is None:
            KA = self._KA[m] = _product(self.factors[m], v)
        return KA

    def prepare(self, m, v, G, s, t):
        """Set the block's ``K alpha`` and ``K R = Phi_m G``; first :meth:`~BlockRows.trial`.

        ``K alpha`` is kept from the block's last step while the coefficients
        move only by steps (one product with T columns instead of 2 T).
        """
        T = v.shape[1]
        if m in self._KA or not np.any(v):
            KA = self._KA.get(m)
            KA = np.zeros((self.Y.shape[0], T)) if KA is None else KA
            KR = _product(self.factors[m], G)
        else:
            P = _product(self.factors[m], np.hstack([v, G]))
            KA, KR = P[:, :T], P[:, T:]
        self._P = (m, KA, KR)
        return self.trial(s, t)

    def _moved(self, m, s, t, KA):
        if np.any(s):
            self._KA[m] = KA
        else:
            self._KA.pop(m, None)

    def zero_gradient(self, m, v):
        """``Phi_m^T R0`` with R0 the gradient at ``F - Phi_m v`` (block m at zero)."""
        KA = self._block(m, v)
        self._P = (m, KA, None)
        return _t_product(self.factors[m], self._zero_point(KA).gradient, self.single)

    # -------------------------------------------------------- block scales
    def _directions(self, kernels, coef):
        d = np.stack([self._block(m, v) for m, v in zip(kernels, coef)])
        for k, m in enumerate(kernels):
            self._KA[m] = d[k]  # one copy of each block
        return d

    def _rescaled(self, kernels, S):
        for k, m in enumerate(kernels):
            self._KA[m] *= S[k]

    # ----------------------------------------------------------- Anderson
    def push(self, depth):
        """Record the current ``F`` (the last ``depth + 1`` are kept)."""
        self._history.append(self.F.copy())
        if len(self._history) > depth + 1:
            self._history.pop(0)

    def extrapolate(self, c):
        """Loss at ``sum_k c_k F_k`` over the last iterates (F is affine in them)."""
        F = sum(ck * Fk for ck, Fk in zip(c, self._history[1:]))
        self._history = []
        self._candidate = datafit_point(self.datafit, F, self.Y, self.W)
        return self._candidate.value()

    def adopt(self, accept):
        """Move to the last extrapolated ``F`` if ``accept``."""
        if accept:
            self._move(None, self._candidate.F, self._candidate)
            self._KA = {}  # the coefficients moved
        self._candidate = None


class LocalBlocks:
    """Row blocks held in this process.

    Parameters
    ----------
    blocks : list of RowBlock
        The row blocks (any objects with the row-block methods).
    """

    def __init__(self, blocks):
        self.blocks = list(blocks)

    @classmethod
    def split(cls, factors, Y, W, datafit, block_rows=None):
        """Cut the rows into blocks of ``block_rows`` rows (views, no copies).

        Blocks of a few tens of thousands of rows keep every per-row temporary
        (n_rows x n_tasks) small enough for the allocator to reuse, instead of
        a fresh memory mapping, and its page faults, per operation.

        Parameters
        ----------
        factors : list of ndarray of shape (n_samples, r_m)
            Each kernel's Nystroem factor.
        Y, W : ndarray of shape (n_samples, n_tasks)
            Targets and weights, as in :func:`~mtmk.solvers.solve_bcd`.
        datafit : Logistic, SquaredHinge or Quadratic
            The loss over the task-wise decision values.
        block_rows : int, default=None
            Rows per block (:data:`BLOCK_ROWS` if None).

        Returns
        -------
        LocalBlocks
        """
        block_rows = BLOCK_ROWS if block_rows is None else block_rows
        n = Y.shape[0]
        return cls([RowBlock([P[start:start + block_rows] for P in factors],
                             Y[start:start + block_rows], W[start:start + block_rows], datafit)
                    for start in range(0, n, block_rows)])

    def map(self, method, *args):
        """Call ``method(*args)`` on every block; the list of what they return."""
        return [getattr(block, method)(*args) for block in self.blocks]


class _Primal:
    """Primal coefficients ``v`` kept here, the rows in blocks (the row layout).

    With float32 factors the blocks multiply in float32 (``approximate``)
    until :meth:`refine`; the certificate (:meth:`at`) and every restart of
    ``F`` (:meth:`start`) always use float64 products.
    """

    def __init__(self, blocks, ranks, n_tasks, coef0, mixed_precision=True):
        self.blocks, self.n_kernels, self.n_tasks = blocks, len(ranks), n_tasks
        self.ranks = list(ranks)
        self.v = ([np.zeros((r, n_tasks)) for r in ranks] if coef0 is None
                  else [np.array(c, dtype=float) for c in coef0])
        self._G = None
        self._candidate = None
        self._info = blocks.map("describe")
        self.approximate = mixed_precision and any(i["float32"] for i in self._info)
        blocks.map("set_single", self.approximate)

    def intercept_guess(self, datafit):
        return np.zeros(self.n_tasks)  # Newton steps take it from there

    def at(self, b):
        """The point the certificate reads: the blocks' decision values, through
        float64 products."""
        return _Exact(self) if self.approximate else self

    def start(self, b, refresh=False):
        coef = [v if np.any(v) else None for v in self.v]
        return sum(self.blocks.map("start", coef, b))

    def refine(self):
        """float64 products from now on."""
        self.approximate = False
        self.blocks.map("set_single", False)

    def rounding(self, b):
        """The float32 products' error in the block gradients and ``F``'s drift.

        The largest difference, over kernels (and the intercepts' derivatives),
        of the gradients computed in float32 at the tracked ``F`` and in
        float64 at ``F`` recomputed from the coefficients, which it leaves in
        place.  Returns it and the loss there.
        """
        kernels = range(self.n_kernels)
        single = self.blocks.map("gradients", kernels)
        loss = self.start(b, refresh=True)
        exact = self.blocks.map("gradients", kernels, True)
        worst = float(np.abs(_sum([r[1] for r in single]) - _sum([r[1] for r in exact])).max())
        for m in kernels:
            error = _sum([r[0][m] for r in single]) - _sum([r[0][m] for r in exact])
            worst = max(worst, float(np.sqrt(np.sum(error * error))))
        return worst, loss

    def curvature(self):
        """Safe steps from the largest eigenvalue of ``Phi^T Phi`` (exact while cheap,
        else the trace); the step search grows them from there."""
        info = self._info
        n_samples = sum(i["n_rows"] for i in info)
        exact = n_samples * max(self.ranks, default=0) ** 2 <= 5e8
        terms = self.blocks.map("curvature_terms", exact)
        tops = []
        for m, rank in enumerate(self.ranks):
            total = _sum([t[m] for t in terms])
            tops.append(float(np.linalg.eigvalsh(total)[-1]) * (1 + 1e-9) + 1e-12
                        if exact and rank else float(total))
        return tops, max(i["weight_max"] for i in info)

    def norms2(self, m):
        return np.sum(self.v[m] * self.v[m], axis=0)

    def norms(self):
        return np.array([np.sqrt(self.norms2(m)) for m in range(self.n_kernels)])

    def statistics(self, kernels, exact=False):
        """Per kernel ``(||g||^2, <g, v>, ||v||^2)`` per task, and the gradient's column
        sums; remembers the last kernel's gradient ``g = Phi^T R`` for its step
        (``exact``: through float64 products)."""
        kernels = list(kernels)
        results = self.blocks.map("gradients", kernels, exact)
        statistics = []
        for k, m in enumerate(kernels):
            G, v = _sum([r[0][k] for r in results]), self.v[m]
            statistics.append((np.sum(G * G, axis=0), np.sum(G * v, axis=0), self.norms2(m)))
            self._G = G
        return statistics, _sum([r[1] for r in results])

    def prepare(self, m, s, t):
        return self.blocks.map("prepare", m, self.v[m], self._G, s, t)

    def metric_change(self, m, s, t):
        dv = s * (self.v[m] - t * self._G) - self.v[m]
        return np.sum(dv * dv, axis=0)

    def accept(self, m, s, t):
        self.v[m] = s * (self.v[m] - t * self._G)

    def zero_statistic(self, m):
        G0 = _sum(self.blocks.map("zero_gradient", m, self.v[m]))
        return np.sum(G0 * G0, axis=0)

    def drop(self, m):
        self.v[m] = np.zeros_like(self.v[m])

    def scale_coef(self, kernels):
        return [self.v[m] for m in kernels]

    def rescale(self, kernels, S):
        for k, m in enumerate(kernels):
            self.v[m] = self.v[m] * S[k]

    # Anderson extrapolation over (v, b) in the Euclidean metric; F follows as
    # the same combination
    def push(self, anderson, b):
        anderson.push(np.concatenate([v.ravel() for v in self.v] + [b]))
        self.blocks.map("push", anderson.depth)

    def extrapolate(self, anderson, n_tasks):
        """The extrapolated intercepts and loss (None if none); keeps the coefficients."""
        extrapolated = anderson.extrapolate_weights()
        if extrapolated is None:
            return None
        x, c = extrapolated
        anderson.reset()
        loss = sum(self.blocks.map("extrapolate", c))
        split = np.cumsum([v.size for v in self.v])[:-1]
        self._candidate = [part.reshape(v.shape)
                           for part, v in zip(np.split(x[:-n_tasks], split), self.v)]
        return x[-n_tasks:], loss

    def candidate_norms(self):
        return np.array([np.sqrt(np.sum(v * v, axis=0)) for v in self._candidate])

    def adopt(self, accept):
        self.blocks.map("adopt", accept)
        if accept:
            self.v = self._candidate
        self._candidate = None


class _Exact:
    """The row layout as the certificate reads it: statistics through float64 products."""

    def __init__(self, layout):
        self.layout, self.n_kernels = layout, layout.n_kernels

    def statistics(self, kernels):
        return self.layout.statistics(kernels, exact=True)

    def norms(self):
        return self.layout.norms()


def solve_rows(blocks, ranks, n_tasks, datafit, penalty, *, fit_intercept=True, tol=1e-4,
               max_iter=1000, coef0=None, intercept0=None, anderson_depth=5, verbose=0,
               mixed_precision=False, subsample=None):
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
    mixed_precision : bool, default=False
        With float32 factors, compute the block gradients ``Phi^T R`` in
        float32 (decision values, residuals and the loss stay float64) while
        the sweeps' violation is above ten times those products' rounding,
        which is measured on the way, then in float64.  The certificate is
        always computed with float64 products, so ``tol`` means the same
        either way.  No effect on float64 factors.  Off by default: a sweep
        costs about 20 % less, but the rounded gradients change the sweeps'
        path, and the number of sweeps went down at 100,000 rows (157 to 128)
        and up at 300,000 (84 to 181) on the scale benchmark's problem.
    subsample : "auto", int or None, default=None
        Without ``coef0``, first solve the problem on about this many evenly
        spaced rows (the weights of each task rescaled to sum 1, the same
        penalty), to the same ``tol``, and start from that solution.  The
        kernels it selects and their sizes are close to the final ones.
        ``"auto"``: ``100 sqrt(n_rows)`` rows from 50,000 rows on (31,600 of
        100,000; 100,000 of a million, which start from their own subsample
        in turn); ``None``: no subsample.  Off by default: the slow part of
        the block solver is its last sweeps, which trade size between
        correlated kernels, and a start near the optimum does not shorten
        them; on the scale benchmark's problem the sweeps over all rows went
        from 157 to 128 at 100,000 rows but from 84 to 141 at 300,000.

    Returns
    -------
    SolverResult
        With ``alpha=None`` and ``coef`` the primal coefficients ``v[m]``
        (what multiplies the Nystroem features of new rows); ``n_iter``
        counts the sweeps over all rows.
    """
    check_contract(SOLVE_ROWS, datafit, penalty)
    options = dict(fit_intercept=fit_intercept, tol=tol, max_iter=max_iter,
                   anderson_depth=anderson_depth, verbose=verbose,
                   mixed_precision=mixed_precision)
    if coef0 is None and subsample is not None:
        n_rows = sum(i["n_rows"] for i in blocks.map("describe"))
        rows = subsample_rows(n_rows) if subsample == "auto" else int(subsample)
        if 0 < rows < n_rows:
            step = n_rows // rows
            total = _sum(blocks.map("sample_weight", step))
            blocks.map("restrict", step, 1.0 / np.where(total > 0, total, 1.0))
            try:
                start = solve_rows(blocks, ranks, n_tasks, datafit, penalty, **options)
            finally:
                blocks.map("restrict")
            coef0, intercept0 = start.coef, start.intercept
    layout = _Primal(blocks, ranks, n_tasks, coef0, mixed_precision)
    state = Iterate(layout, datafit, penalty, fit_intercept, intercept0)
    violation, converged, n_iter = minimise(state, tol, max_iter, warm=coef0 is not None,
                                            anderson_depth=anderson_depth, verbose=verbose,
                                            fit_intercept=fit_intercept)
    task_norms = state.task_norms()
    return SolverResult(alpha=None, intercept=state.b, task_norms=task_norms,
                        block_norms=penalty.kernel_norms(task_norms),
                        objective=state.objective(), violation=violation, n_iter=n_iter,
                        converged=converged, coef=layout.v)
