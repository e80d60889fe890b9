"""Simulation sweeps over n, p, M, T and replications.

One *cell* is one configuration and one replication: it draws a model, a
training set and a fresh test set, fits every requested method on the same
data and returns one row per fit.  Cells are independent jobs for
:class:`joblib.Parallel`, so a sweep runs on loky, threads or a
``dask.distributed`` cluster (``joblib.parallel_config(backend="dask")``)
and gives the same rows: every random draw of a cell is seeded from the
sweep's ``random_state`` and the cell's configuration only.

Results are appended to a CSV file as cells finish; a rerun with the same
file skips the cells already there (resumable sweeps).

Regularisation (configuration key ``tuning``): ``"schedule"`` gives every
method the fixed schedule of :func:`regularisation`; ``"validation"`` gives
every method its own penalty, chosen the same way for all: the candidates
``f * regularisation(...)`` for f in :data:`TUNING_FACTORS` (the same number
for each method, each around its own scale) are scored by the mean logistic
loss on a fresh validation sample of size n drawn from the model, and the
best one is kept (single-task MKL chooses per task).
"""

import copy
import json
import math
import os
import shutil
import time
import warnings
from contextlib import nullcontext

import numpy as np
from joblib import Parallel, delayed, parallel_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score

from .. import MTMKClassifier
from ._data import check_seed, excess_risks, make_sparse_kernel_model
from ._grid import VALIDATION_FRACTION, cell_id, expand_grid, stable_hash
from ._store import (
    check_same_sweep,
    complete_cells,
    problem_report,
    read_results,
    roundtrip,
    write_rows,
)

#: Multipliers of the schedule that form every method's candidates under
#: ``tuning="validation"``: six values over a factor 32, for each method.
TUNING_FACTORS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0)

def regularisation(method, n, n_kernels, c_group):
    """Penalty strengths of a method: ``lam = c_group * sqrt(log M / n)``.

    ``mtmk_l2`` uses ``lam_ridge = lam / 2``: the ridge's shrinkage
    ``2 lam_ridge ||f||`` then equals the group penalty's ``lam`` at unit RKHS
    norm (the norm of every true component).  ``mtmk_mix`` splits the two
    halves: ``lam_group = lam / 2``, ``lam_ridge = lam / 4``.

    Returns
    -------
    (lam_group, lam_ridge) : tuple of float
    """
    lam = c_group * math.sqrt(math.log(max(n_kernels, 2)) / n)
    if method == "mtmk_l2":
        return 0.0, lam / 2.0
    if method == "mtmk_mix":
        return lam / 2.0, lam / 4.0
    if method == "best_single":
        return 0.0, lam / 2.0
    return lam, 0.0


def _n_components(config):
    """Nystroem rank: exact for finite-rank families with 50 landmarks."""
    value = config["n_components"]
    if value == "auto":
        value = 50 if config["family"] in ("polynomial", "linear") else 300
    if value is None or value == "none":
        return None
    return int(min(int(value), config["n"]))


def _seeds(config, rep, random_state):
    """Model and data seeds, from the data-generating part of the configuration.

    The model seed ignores n, so the replications of different n share their
    model (a paired design); neither seed depends on the methods, penalty
    constants or solver settings, so every method and tuning sees the same data.
    """
    solver_keys = ("methods", "c_group", "n_components", "tol", "experiment", "tuning")
    data_keys = {k: v for k, v in config.items() if k not in solver_keys}
    model_keys = {k: v for k, v in data_keys.items() if k != "n"}
    model_seed = np.random.SeedSequence([random_state, stable_hash(model_keys), rep])
    data_seed = np.random.SeedSequence([random_state, stable_hash(data_keys), rep, 1])
    return (int(model_seed.generate_state(1)[0]), int(data_seed.generate_state(1)[0]))


def _fit(model, X, Y, lam_group, lam_ridge, n_components, seed, kernels=None, tol=1e-3,
         previous=None):
    """Fit MTMK at one penalty.

    ``previous``, a fit on the same data, is refitted in place from its solution
    (``warm_start``) at the new penalty.
    """
    if previous is not None:
        clf = previous.set_params(lam_group=lam_group, lam_ridge=lam_ridge, warm_start=True)
    else:
        if n_components is not None:
            # The validation split of best_single trains on fewer than n samples.
            n_components = min(n_components, X.shape[0])
        dictionary = model.kernel_dictionary(n_components, random_state=seed)
        if kernels is not None:
            dictionary.set_params(callables=[model.kernels[m] for m in kernels])
        clf = MTMKClassifier(kernels=dictionary, lam_group=lam_group, lam_ridge=lam_ridge,
                             tol=tol, max_iter=2000)
    y = Y[:, 0] if Y.shape[1] == 1 else Y
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(X, y)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return clf, converged


def _decision(clf, X):
    F = clf.decision_function(X)
    return F[:, None] if F.ndim == 1 else F


def _mean_logloss(F, Y):
    S = 2.0 * Y - 1.0
    return float(np.mean(np.logaddexp(0.0, -S * F)))


def _fit_tuned(model, X, Y, candidates, r, seed, tol, validation):
    """Fit every candidate (lam_group, lam_ridge); keep the best on validation.

    Returns the fit, its convergence, its penalties and whether the choice is
    the smallest or largest candidate (a grid edge).
    """
    if validation is None:
        (lam_group, lam_ridge), = candidates
        clf, converged = _fit(model, X, Y, lam_group, lam_ridge, r, seed, tol=tol)
        return clf, converged, lam_group, lam_ridge, float("nan")
    X_val, Y_val = validation
    best, clf = None, None
    # From the strongest penalty down, each fit warm-started at the previous one.
    for i in sorted(range(len(candidates)), key=lambda i: -sum(candidates[i])):
        lam_group, lam_ridge = candidates[i]
        clf, converged = _fit(model, X, Y, lam_group, lam_ridge, r, seed, tol=tol,
                              previous=clf)
        loss = _mean_logloss(_decision(clf, X_val), Y_val)
        if best is None or loss < best[0]:
            best = (loss, copy.deepcopy(clf), converged, lam_group, lam_ridge, i)
    edge = float(best[5] in (0, len(candidates) - 1))
    return best[1], best[2], best[3], best[4], edge


def _fit_method(method, model, X, Y, config, seed, validation=None):
    """Fit one method; return test-logit function inputs and support information."""
    n, M, T = X.shape[0], model.n_kernels, Y.shape[1]
    lam_group, lam_ridge = regularisation(method, n, M, config["c_group"])
    factors = TUNING_FACTORS if validation is not None else (1.0,)
    candidates = [(f * lam_group, f * lam_ridge) for f in factors]
    r = _n_components(config)
    tol = config["tol"]
    if method in ("mtmk_l1", "mtmk_l2", "mtmk_mix"):
        clf, converged, lam_group, lam_ridge, edge = _fit_tuned(
            model, X, Y, candidates, r, seed, tol, validation)
        weights = clf.kernel_weights_
        return [(clf, slice(None))], [weights], converged, lam_group, lam_ridge, edge
    if method == "stmkl":
        fits, weights, converged, chosen, edges = [], [], True, [], []
        for t in range(T):
            task_val = None if validation is None else (validation[0], validation[1][:, [t]])
            clf, ok, lg, lr, edge = _fit_tuned(model, X, Y[:, [t]], candidates, r, seed, tol,
                                               task_val)
            fits.append((clf, [t]))
            weights.append(clf.kernel_weights_)
            converged &= ok
            chosen.append((lg, lr))
            edges.append(edge)
        lam_group, lam_ridge = (float(v) for v in np.mean(chosen, axis=0))
        return fits, weights, converged, lam_group, lam_ridge, float(np.mean(edges))
    # best_single: validation split, M one-kernel fits, refit of the winner.
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    n_val = int(round(VALIDATION_FRACTION * n))
    val, tr = order[:n_val], order[n_val:]
    losses = []
    for m in range(M):
        clf, _ = _fit(model, X[tr], Y[tr], lam_group, lam_ridge, r, seed, kernels=[m],
                      tol=tol)
        losses.append(_mean_logloss(_decision(clf, X[val]), Y[val]))
    best = int(np.argmin(losses))
    clf, converged = _fit(model, X, Y, lam_group, lam_ridge, r, seed, kernels=[best],
                          tol=tol)
    weights = np.zeros(M)
    weights[best] = 1.0
    return [(clf, slice(None))], [weights], converged, lam_group, lam_ridge, float("nan")


def _support_metrics(weights_per_fit, active, n_kernels):
    """Exact recovery (non-zero weights == S), top-s recovery, selected count."""
    active = set(int(a) for a in active)
    s = len(active)
    exact, top, selected = [], [], set()
    for w in weights_per_fit:
        support = set(np.flatnonzero(w > 0).tolist())
        selected |= support
        exact.append(float(support == active))
        top.append(float(set(np.argsort(-w, kind="stable")[:s].tolist()) == active))
    return float(np.mean(exact)), float(np.mean(top)), float(len(selected))


def run_cell(config, rep, n_test=2000, random_state=0, inner_threads=None):
    """Run one cell: draw the model and the data, fit every method.

    Parameters
    ----------
    config : dict
        A complete configuration (see :func:`expand_grid`).
    rep : int
        Replication index.
    n_test : int, default=2000
        Fresh samples on which the errors and risks are computed.
    random_state : int, default=0
        Seed of the sweep; the cell's seeds derive from it, the configuration
        and ``rep``.
    inner_threads : int or None, default=None
        Limit of BLAS threads inside the cell (set when cells run in parallel).

    Returns
    -------
    list of dict
        One row per method, with the configuration, the seeds and the metrics.
    """
    from threadpoolctl import threadpool_limits

    # BLAS threads per cell: parallel cells must not oversubscribe the cores.
    with threadpool_limits(limits=inner_threads):
        return _run_cell(config, rep, n_test, random_state)


def _run_cell(config, rep, n_test, random_state):
    model_seed, data_seed = _seeds(config, rep, random_state)
    model = make_sparse_kernel_model(
        n_features=config["n_features"], n_kernels=config["n_kernels"],
        n_active=config["n_active"], n_tasks=config["n_tasks"], family=config["family"],
        design=config["design"], signal=config["signal"], random_state=model_seed)
    rng = np.random.default_rng(data_seed)
    X, Y, _ = model.sample(config["n"], np.random.RandomState(rng.integers(2**31)))
    X_test, Y_test, F_test = model.sample(n_test, np.random.RandomState(rng.integers(2**31)))
    bayes = float(np.mean(1.0 / (1.0 + np.exp(np.abs(F_test)))))
    fit_seed = int(rng.integers(2**31))
    validation = None
    if config["tuning"] == "validation":
        # Drawn after everything else, so the training and test data are the
        # same as under tuning="schedule".
        X_val, Y_val, _ = model.sample(config["n"], np.random.RandomState(rng.integers(2**31)))
        validation = (X_val, Y_val)
    base = {k: v for k, v in config.items() if k != "methods"}
    base.update(rep=rep, n_methods=len(config["methods"]), n_test=n_test,
                random_state=random_state, model_seed=model_seed, data_seed=data_seed,
                cell_id=cell_id(config, rep, n_test, random_state),
                bayes_zero_one=bayes, config=json.dumps(
                    {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.items()},
                    sort_keys=True))
    rows = []
    for method in config["methods"]:
        row = dict(base, method=method)
        start = time.perf_counter()
        try:
            fits, weights, converged, lam_group, lam_ridge, edge = _fit_method(
                method, model, X, Y, config, fit_seed, validation)
        except ValueError as exc:  # e.g. a task with one class in a tiny sample
            row.update(status=f"error: {exc}", fit_time=time.perf_counter() - start)
            rows.append(row)
            continue
        row["fit_time"] = time.perf_counter() - start
        F_hat = np.empty_like(F_test)
        for clf, columns in fits:
            F_hat[:, columns] = _decision(clf, X_test)
        row.update(excess_risks(F_test, F_hat))
        aucs = [roc_auc_score(Y_test[:, t], F_hat[:, t]) for t in range(Y.shape[1])
                if 0 < Y_test[:, t].sum() < n_test]
        row["auc"] = float(np.mean(aucs)) if aucs else float("nan")
        if method == "best_single":
            row.update(support_exact=float("nan"), support_top=float("nan"), n_selected=1.0)
        else:
            exact, top, selected = _support_metrics(weights, model.active_set, model.n_kernels)
            row.update(support_exact=exact, support_top=top, n_selected=selected)
        row.update(lam_group=lam_group, lam_ridge=lam_ridge, converged=bool(converged),
                   grid_edge=edge, status="ok")
        rows.append(row)
    return rows


def simulate(grid, n_reps=5, n_test=2000, results_path=None, n_jobs=1, backend=None,
             random_state=0, progress=True, inner_threads=1):
    """Run a simulation sweep; one row per (configuration, replication, method).

    Parameters
    ----------
    grid : dict or list of dict
        Configurations (see :func:`expand_grid` and ``CONFIG_DEFAULTS``): the
        sample size ``n``, covariates ``n_features``, kernels ``n_kernels``,
        tasks ``n_tasks``, active kernels ``n_active``, kernel ``family``,
        ``design``, ``signal``, the constant ``c_group`` of
        ``lam = c_group * sqrt(log M / n)``, the Nystroem rank
        ``n_components`` (``"auto"``: 50 landmarks for the finite-rank
        families, which is exact for them, 300 otherwise; ``None``: exact
        Gram matrices), the solver tolerance ``tol``, the ``methods`` to fit and
        their ``tuning`` (``"schedule"`` or ``"validation"``, see the module
        docstring).
        The default ``tol = 1e-3`` (largest KKT violation) changed the
        estimation error by less than 1.5% against ``1e-4`` at n = 1600-3200
        (far below the spread between replications) and saves about a third
        of the fit time.
    n_reps : int, default=5
        Replications per configuration.
    n_test : int, default=2000
        Fresh test samples per cell.
    results_path : str or None, default=None
        CSV file the rows are appended to as cells finish.  Cells already
        complete in the file are skipped, so an interrupted sweep resumes.
    n_jobs : int, default=1
        Parallel jobs (joblib semantics).
    backend : str or None, default=None
        joblib backend (``"loky"``, ``"threading"``, ``"dask"``...); ``None``
        keeps the active one (e.g. set by ``joblib.parallel_config``).  The
        dask backend needs a running ``dask.distributed.Client``.
    random_state : int, default=0
        Seed of the sweep; rows do not depend on the backend or on ``n_jobs``.
    progress : bool, default=True
        Show a tqdm progress bar.
    inner_threads : int or None, default=1
        BLAS threads per cell when running in parallel (avoids
        oversubscription); ignored when ``n_jobs == 1``.

    Returns
    -------
    list of dict
        All rows: those read from ``results_path`` and the new ones.

    Examples
    --------
    >>> from mtmk.theory import simulate
    >>> rows = simulate(dict(n=[60, 120], n_kernels=4, n_features=4, n_tasks=2,
    ...                      methods=["mtmk_l1"]), n_reps=2, n_test=200, progress=False)
    >>> len(rows), sorted({r["n"] for r in rows})
    (4, [60, 120])
    >>> all(r["status"] == "ok" and r["estimation_error"] > 0 for r in rows)
    True
    """
    configs = expand_grid(grid)
    if int(n_reps) != n_reps or n_reps < 1:
        raise ValueError(f"n_reps must be a positive integer, got {n_reps!r}.")
    if int(n_test) != n_test or n_test < 10:
        raise ValueError(f"n_test must be an integer >= 10, got {n_test!r}.")
    random_state = check_seed(random_state)
    # Replication-major order: an interrupted sweep covers the whole grid with
    # fewer replications rather than part of the grid with all of them.
    cells = [(c, rep) for rep in range(int(n_reps)) for c in configs]
    done_rows = []
    if results_path is not None and os.path.exists(results_path):
        rows, problems = read_results(results_path)
        check_same_sweep(results_path, rows, n_test, random_state)
        if problems:
            kept = f"{results_path}.corrupt"
            shutil.copyfile(results_path, kept)
            warnings.warn(problem_report(
                results_path, problems,
                f"their cells are recomputed (the file as found is kept as {kept})"),
                UserWarning, stacklevel=2)
        done_rows = complete_cells(rows)
        # Rewrite the file without the rows of cells that were interrupted.
        tmp = f"{results_path}.tmp"
        write_rows(tmp, done_rows, "w")
        os.replace(tmp, results_path)
    elif results_path is not None:
        write_rows(results_path, [], "w")
    wanted = {cell_id(c, rep, n_test, random_state) for c, rep in cells}
    other = [r for r in done_rows if r["cell_id"] not in wanted]
    if other:
        warnings.warn(
            f"{results_path} also holds {len(other)} row(s) of cells outside this sweep's "
            "grid and replications (another configuration); they stay in the file but are "
            "not returned.", UserWarning, stacklevel=2)
        done_rows = [r for r in done_rows if r["cell_id"] in wanted]
    done = {r["cell_id"] for r in done_rows}
    pending = [(c, rep) for c, rep in cells
               if cell_id(c, rep, n_test, random_state) not in done]
    inner = inner_threads if n_jobs not in (1, None) else None
    new_rows = []
    if pending:
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(pending), desc="simulate", unit="cell")
        config_ctx = parallel_config(backend=backend) if backend else nullcontext()
        with config_ctx:
            parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
            for rows in parallel(delayed(run_cell)(c, rep, n_test, random_state, inner)
                                 for c, rep in pending):
                rows = [roundtrip(r) for r in rows]
                if results_path is not None:
                    write_rows(results_path, rows, "a")
                new_rows.extend(rows)
                if bar is not None:
                    bar.update(1)
        if bar is not None:
            bar.close()
    order = {cell_id(c, rep, n_test, random_state): i for i, (c, rep) in enumerate(cells)}
    everything = done_rows + new_rows
    everything.sort(key=lambda r: (order.get(r["cell_id"], len(order)), r["method"]))
    return everything
