"""One fit function for every MTMK model: kernels, targets, datafit and penalty in.

The estimators, the regularisation path with its cross-validation and the
fit on a dask cluster all minimise ``datafit + penalty`` over kernel blocks
through :func:`fit_kernel_model` (and :func:`fit_kernel_path`, its
warm-started sequence over decreasing ``lam``), which alone chooses the solver
of :mod:`mtmk.solvers`, starts it from a previous solution and reports a
reference solution short of ``tol``.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .solvers import (
    FactorStack,
    GroupPenalty,
    LpLqPenalty,
    Quadratic,
    SolverResult,
    TaskGroupPenalty,
    solve_bcd,
    solve_cvxpy,
    solve_lplq,
    solve_newton,
    solve_rows,
)
from .solvers._rows import LocalBlocks
from .solvers._screening import Screening, restrict_operator, restrict_penalty

SOLVERS = ("auto", "bcd", "newton", "cvxpy")


def fit_kernel_model(kernels, Y, W, datafit, penalty, *, solver="auto", fit_intercept=True,
                     tol=1e-4, max_iter=2000, start=None, verbose=0):
    """Minimise ``datafit + penalty`` over kernel blocks with the solver that fits the problem.

    The solver is chosen here and nowhere else:

    - ``solver="cvxpy"``: :func:`~mtmk.solvers.solve_cvxpy`, the conic
      reference (a ``ConvergenceWarning`` if its certificate stays above ``tol``);
    - an :class:`~mtmk.solvers.LpLqPenalty`: :func:`~mtmk.solvers.solve_lplq`;
    - ``solver="newton"``, or ``"auto"`` with least squares
      (:class:`~mtmk.solvers.Quadratic`, whose Newton model is exact) or with
      a classification loss, one task and low-rank factors (one factorisation
      per step serves the fit), unless the penalty is a sum over several
      tasks: :func:`~mtmk.solvers.solve_newton`;
    - otherwise block steps: :func:`~mtmk.solvers.solve_bcd` on exact Gram
      matrices, :func:`~mtmk.solvers.solve_rows` over row blocks for low-rank
      factors (cut in this process) or for row blocks held elsewhere (a dask
      cluster), which take block steps only.

    Parameters
    ----------
    kernels : GramStack, FactorStack or row blocks
        The training kernels: exact Gram matrices, low-rank factors, or row
        blocks of low-rank features held elsewhere (an object with
        ``map(method, *args)``, see :func:`~mtmk.solvers.solve_rows`, and
        ``ranks``, the number of features of each kernel).
    Y : ndarray of shape (n_samples, n_tasks)
        Targets: signs in {-1, +1} for classification datafits, values for
        regression ones.  Row blocks hold their own rows of ``Y`` and ``W``.
    W : ndarray of shape (n_samples, n_tasks)
        Non-negative weights, each column summing to 1.
    datafit : datafit object
        E.g. :class:`~mtmk.solvers.Logistic`; see :mod:`mtmk.solvers`.
    penalty : penalty object
        E.g. :class:`~mtmk.solvers.GroupPenalty`, at its own ``lam`` and ``lam_ridge``.
    solver : {"auto", "bcd", "newton", "cvxpy"}, default="auto"
        See above.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per task.
    tol : float, default=1e-4
        Scale-free optimality certificate at which the solver stops.
    max_iter : int, default=2000
        Maximum number of sweeps (Newton steps, alternations).
    start : tuple (coef, intercept), optional
        A previous solution: dual coefficients of shape (n_kernels,
        n_samples, n_tasks) or, for row blocks, a list of per-kernel primal
        coefficients of shape (r_m, n_tasks), and the intercepts.  It starts
        the solver when its shapes fit the problem and the solver takes a warm
        start (not the cvxpy reference, not the lp-lq alternation); otherwise
        it is ignored.
    verbose : int, default=0
        Print solver progress every ``verbose`` sweeps.

    Returns
    -------
    SolverResult
        For low-rank kernels, ``coef`` holds the primal coefficients
        ``Phi_m^T alpha_m`` (what multiplies the features of new rows) whatever
        the solver; ``alpha`` is ``None`` after block steps over rows.
    """
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}; got {solver!r}.")
    check_penalty(penalty)
    n_tasks = Y.shape[1]
    options = dict(fit_intercept=fit_intercept, tol=tol)
    rows = hasattr(kernels, "map")  # row blocks held elsewhere
    if rows:
        check_row_blocks_problem(solver, penalty)
    if solver == "cvxpy":
        result = solve_cvxpy(kernels, Y, W, datafit, penalty, **options)
        if not result.converged:
            warnings.warn(
                f"The cvxpy solution's optimality certificate is {result.violation:.3g}, "
                f"above tol={tol:g}: the conic solver stopped short. Use the default "
                "solver or loosen tol.", ConvergenceWarning)
    elif isinstance(penalty, LpLqPenalty):
        result = solve_lplq(kernels, Y, W, datafit, penalty, max_iter=max_iter,
                            verbose=verbose, **options)
    elif not rows and (solver == "newton" or (solver == "auto" and _newton_pays(
            kernels, n_tasks, datafit, penalty))):
        alpha0, intercept0 = _dual_start(start, kernels, n_tasks)
        result = solve_newton(kernels, Y, W, datafit, penalty, max_iter=max_iter, alpha0=alpha0,
                              intercept0=intercept0, verbose=verbose, **options)
    elif rows or isinstance(kernels, FactorStack):
        # Low rank: block steps in primal coordinates keep only the factors
        # and O(n T) state (no n x M x T dual coefficients).
        blocks, ranks = ((kernels, list(kernels.ranks)) if rows else
                         (LocalBlocks.split(kernels.factors, Y, W, datafit),
                          [P.shape[1] for P in kernels.factors]))
        coef0, intercept0 = _primal_start(start, ranks, n_tasks)
        result = solve_rows(blocks, ranks, n_tasks, datafit, penalty, max_iter=max_iter,
                            coef0=coef0, intercept0=intercept0, verbose=verbose, **options)
    else:
        alpha0, intercept0 = _dual_start(start, kernels, n_tasks)
        result = solve_bcd(kernels, Y, W, datafit, penalty, max_iter=max_iter, alpha0=alpha0,
                           intercept0=intercept0, verbose=verbose, **options)
    if isinstance(kernels, FactorStack) and result.coef is None:
        result.coef = [kernels.prediction_coef(m, result.alpha[m])
                       for m in range(kernels.n_kernels)]
    return result


def fit_kernel_path(kernels, Y, W, datafit, penalty, lams, *, screening=True, **options):
    """:func:`fit_kernel_model` at decreasing ``lams``, each fit starting from the previous one.

    With ``screening``, each value is fitted on the kernels that the strong
    and gap safe rules keep (see :mod:`mtmk.solvers._screening`), then every
    discarded kernel's optimality is checked on the full problem and the fit
    repeated with the violators until none is left: the solutions are those
    of the full problem, and each result's ``violation`` is the full
    problem's certificate.  Screening costs about one product with every
    kernel per value, about what it saves per discarded kernel (a
    warm-started fit sweeps all kernels about once, its working sets do the
    rest): once the rules discard fewer than half of the kernels, the rest
    of the path takes plain warm-started fits.

    Parameters
    ----------
    kernels, Y, W, datafit
        As for :func:`fit_kernel_model`.
    penalty : penalty object
        Its ``with_lam(lam)`` sets each level.
    lams : array-like of shape (n_lams,)
        Decreasing penalty levels.
    screening : bool, default=True
        Screen kernels out of each fit, for the group and task-wise penalties
        (:class:`~mtmk.solvers.GroupPenalty`, :class:`~mtmk.solvers.TaskGroupPenalty`).
        Ignored for other penalties, for row blocks held elsewhere and where
        the fits take Newton steps on the kernel weights (whose working set
        already starts from the previous solution's kernels and whose
        factorisations involve the active kernels only).
    **options
        ``solver``, ``fit_intercept``, ``tol``, ``max_iter``, ``verbose`` of
        :func:`fit_kernel_model`, at every level.

    Returns
    -------
    list of SolverResult
        ``n_iter`` sums the iterations of the fits at a value.
    """
    lams = [float(lam) for lam in lams]
    check_penalty(penalty.with_lam(min(lams)))
    screen = point = None
    first = penalty.with_lam(lams[0])
    solver = options.get("solver", "auto")
    newton = not hasattr(kernels, "map") and (solver == "newton" or (
        solver == "auto" and _newton_pays(kernels, Y.shape[1], datafit, first)))
    # Newton steps need no screening: they start from the kernels of the previous
    # solution, add the worst violators, and factor the active kernels only.  Screened
    # are the block penalties whose only per-kernel parameter is the weight (restricted
    # with the kernels).
    if (screening and not newton and not hasattr(kernels, "map")
            and isinstance(first, (GroupPenalty, TaskGroupPenalty))):
        fit_intercept = options.get("fit_intercept", True)
        screen = Screening(kernels, Y, W, datafit, first, fit_intercept)
        point = screen.point(None, _intercept_only(datafit, Y, W, fit_intercept))
        # the rules compare levels of the group term (lam of each level's penalty)
        lam_old = float(np.max(point.dual_norms(first), initial=0.0))
    results, start = [], None
    for lam in lams:
        level = penalty.with_lam(lam)
        if point is not None:
            strong, safe = screen.discard(point, level, lam_old)
            if 2 * np.count_nonzero(strong | safe) < kernels.n_kernels:
                # Screening no longer pays: a warm-started fit sweeps all kernels about
                # once (its working sets do the rest), which is what a point costs.
                point = None
        if point is None:
            result = fit_kernel_model(kernels, Y, W, datafit, level, start=start, **options)
        else:
            result, point = _screened_fit(screen, kernels, Y, W, datafit, level,
                                          ~(strong | safe), start, options)
            if options.get("verbose"):
                print(f"[mtmk path] lam {level.lam:.4g}: {int(strong.sum())} kernels discarded by "
                      f"the strong rule, {int(safe.sum())} by the gap safe rule; certificate "
                      f"{result.violation:.3e}")
        start = (result.alpha if result.alpha is not None else result.coef, result.intercept)
        results.append(result)
        if point is not None:
            lam_old = level.lam
    return results


def _intercept_only(datafit, Y, W, fit_intercept):
    return datafit.initial_intercept(Y, W) if fit_intercept else np.zeros(Y.shape[1])


def _screened_fit(screen, kernels, Y, W, datafit, penalty, keep, start, options):
    """A fit on the kept kernels, repeated with the discarded ones that turn out to violate
    optimality; the result of the full problem and its :class:`PathPoint`."""
    fit_intercept, tol = options.get("fit_intercept", True), options.get("tol", 1e-4)
    low_rank = isinstance(kernels, FactorStack)
    n_kernels, n_tasks = kernels.n_kernels, Y.shape[1]
    n_iter = 0
    while True:
        kept = np.flatnonzero(keep)
        if kept.size:
            part = None if start is None else (_restricted(start[0], kept), start[1])
            result = fit_kernel_model(restrict_operator(kernels, kept), Y, W, datafit,
                                      restrict_penalty(penalty, kept), start=part, **options)
            n_iter += result.n_iter
            alpha = None if result.alpha is None else _embedded(
                result.alpha, kept, np.zeros((n_kernels,) + Y.shape))
            coef = None if result.coef is None else _embedded(
                result.coef, kept, [np.zeros((P.shape[1], n_tasks)) for P in kernels.factors])
            intercept = result.intercept
        else:  # every kernel discarded: the intercept-only model
            alpha = None if low_rank else np.zeros((n_kernels,) + Y.shape)
            coef = [np.zeros((P.shape[1], n_tasks)) for P in kernels.factors] \
                if low_rank else None
            intercept = _intercept_only(datafit, Y, W, fit_intercept)
        point = screen.point(coef if low_rank else alpha, intercept)
        late = ~keep & (point.violations(penalty) >= tol)
        if not late.any():
            break
        keep = keep | late
        start = (alpha if alpha is not None else coef, intercept)
    violation = point.certificate(penalty, fit_intercept)
    return SolverResult(
        alpha=alpha, coef=coef, intercept=intercept, task_norms=point.task_norms,
        block_norms=penalty.kernel_norms(point.task_norms), objective=point.objective(penalty),
        violation=violation, n_iter=n_iter, converged=violation < tol), point


def _restricted(coef, kept):
    """Dual (array) or primal (list) coefficients of the kept kernels."""
    if isinstance(coef, np.ndarray):
        return coef[kept]
    return [coef[m] for m in kept]


def _embedded(part, kept, full):
    """``full`` with the kept kernels' coefficients set from ``part``."""
    for k, m in enumerate(kept):
        full[m] = part[k]
    return full


def check_row_blocks_problem(solver, penalty):
    """Refuse what block steps over rows cannot solve (before the blocks are built).

    Parameters
    ----------
    solver : str
        The requested solver.
    penalty : penalty object
        The penalty.
    """
    if solver in ("newton", "cvxpy") or isinstance(penalty, LpLqPenalty):
        raise ValueError(
            "Row blocks held on a cluster take block steps only (solver='auto' or 'bcd') "
            f"with a group or task penalty; got solver={solver!r}, penalty={penalty!r}. "
            "Fit on NumPy arrays for the other solvers and penalties.")


def check_penalty(penalty):
    """Refuse a penalty with ``lam = lam_ridge = 0`` (no unique minimiser).

    Parameters
    ----------
    penalty : penalty object
        The penalty.
    """
    if getattr(penalty, "lam", None) == 0 and getattr(penalty, "lam_ridge", None) == 0:
        raise ValueError(
            "The penalty's lam (lam_group) and lam_ridge are both 0: the datafit alone has "
            "no unique minimiser (none at all for the logistic loss on separable data). "
            "Set lam_group > 0 (kernel selection) or lam_ridge > 0.")


def _dual_start(start, kernels, n_tasks):
    """``(alpha0, intercept0)`` from ``start`` if it is a dual solution of this shape."""
    if start is not None:
        coef, intercept = start
        if (isinstance(coef, np.ndarray)
                and coef.shape == (kernels.n_kernels, kernels.n_samples, n_tasks)):
            return coef, intercept
    return None, None


def _primal_start(start, ranks, n_tasks):
    """``(coef0, intercept0)`` from ``start`` if it is a primal solution of these ranks."""
    if start is not None:
        coef, intercept = start
        if (isinstance(coef, (list, tuple))
                and [np.shape(c) for c in coef] == [(r, n_tasks) for r in ranks]):
            return list(coef), intercept
    return None, None


def _newton_pays(kernels, n_tasks, datafit, penalty):
    """Whether ``solver="auto"`` takes Newton steps on the kernel weights.

    Least squares with kernels shared by the tasks: the model is exact and
    one factorisation serves every output.  Classification losses: for one
    task on low-rank factors, where a step factors one matrix of the active
    kernels' rank.  Otherwise each task needs its own factorisation per step
    (and, with a penalty that is a sum over tasks, the slowest task sets the
    number of steps), and block sweeps, shared by the tasks, cost less.
    """
    if n_tasks > 1 and getattr(penalty, "separable_tasks", False):
        return False
    if isinstance(datafit, Quadratic):
        return True
    return (bool(getattr(datafit, "classification", False)) and n_tasks == 1
            and isinstance(kernels, FactorStack))
