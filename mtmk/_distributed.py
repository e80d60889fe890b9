"""Fitting on a dask.distributed cluster: rows stay on the workers.

``MTMKClassifier(kernels=KernelDictionary(n_components=r)).fit(X, y)`` with
``X`` a dask array (or dask DataFrame) and a running
:class:`dask.distributed.Client` fits the same model as on a NumPy array: each
row chunk of ``X`` becomes a :class:`~mtmk.solvers.RowBlock` held by a dask
actor on one worker, which computes its rows' Nystroem features there, and
:func:`~mtmk.solvers.solve_rows` drives the sweeps from the client, sending
and receiving arrays of shape (r, n_tasks) or smaller per block step.  The
fitted estimator is an ordinary one (landmarks and coefficients), predicting
on NumPy arrays without dask.

The kernel dictionary is fitted from the same rows and statistics as
:meth:`KernelDictionary.fit` would use (1000 rows for the median heuristic,
the landmarks, the mean squared norm), fetched from the cluster.  The targets
(n_samples x n_tasks, small next to ``X`` and the factors) are encoded on the
client and sent to the workers holding the matching rows.
"""

import pickle
import sys
import time

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.utils.validation import check_array

from ._fit import check_row_blocks_problem, fit_kernel_model
from ._kernels import KernelDictionary
from ._targets import encode_outputs, encode_tasks
from .solvers._rows import RowBlock

__all__ = ["is_dask_collection"]


def is_dask_collection(x):
    """Whether ``x`` is a dask collection (without importing dask if it is not loaded)."""
    if "dask" not in sys.modules:
        return False
    from dask.base import is_dask_collection as check

    return check(x)


def _client():
    try:
        from distributed import default_client
    except ImportError as error:  # pragma: no cover - dask without distributed
        raise ImportError(
            "Fitting on dask collections needs dask.distributed: "
            "pip install 'mtmk[distributed]'.") from error
    try:
        return default_client()
    except ValueError:
        raise ValueError(
            "X is a dask collection but no dask.distributed Client is running. Start one "
            "before fit, e.g. Client() for a local cluster or "
            "Client('tcp://scheduler-address:8786') for a remote one, or pass a NumPy "
            "array.") from None


def _as_dask_array(X):
    import dask.array as da

    if hasattr(X, "to_dask_array"):  # dask DataFrame
        X = X.to_dask_array(lengths=True)
    if not isinstance(X, da.Array):
        raise ValueError(f"X must be a dask array or DataFrame for a distributed fit; got "
                         f"{type(X).__name__}.")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got a dask array with {X.ndim} dimensions.")
    if len(X.chunks[1]) != 1:
        raise ValueError(
            f"X's chunks split the feature axis ({len(X.chunks[1])} column chunks: "
            f"{X.chunks[1]}); every row block needs all features. Rechunk with "
            "X.rechunk({1: -1}).")
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError("X's row chunk sizes are unknown; call X.compute_chunk_sizes() "
                         "(or to_dask_array(lengths=True)) first.")
    return X.astype(np.float64)


def _feature_names(X):
    """A dask DataFrame's column names if they are all strings, else None."""
    columns = getattr(X, "columns", None)
    if columns is None or not all(isinstance(c, str) for c in columns):
        return None
    return np.asarray(list(columns), dtype=object)


class _BlockActor(RowBlock):
    """A row block that computes its Nystroem features where its rows live."""

    def __init__(self, X, Y, W, dictionary, dtype, datafit):
        X = check_array(X, dtype=np.float64)
        super().__init__(dictionary.features(X, dtype=dtype), Y, W, datafit)


def _diagonal_sums(X, dictionary):
    X = np.asarray(X, dtype=np.float64)
    return np.array([float(dictionary._checked_diag(s, X).sum()) for s in dictionary._recipes])


class DaskBlocks:
    """Row blocks held by dask actors; counts the bytes sent and received.

    Parameters
    ----------
    actors : list of distributed.Actor
    ranks : list of int
        Number of features of each kernel.
    """

    def __init__(self, actors, ranks):
        self.actors = actors
        self.ranks = ranks
        self.calls = 0
        self.bytes_sent = 0
        self.bytes_received = 0

    def map(self, method, *args):
        futures = [getattr(actor, method)(*args) for actor in self.actors]
        results = [future.result() for future in futures]
        self.calls += 1
        self.bytes_sent += len(self.actors) * len(pickle.dumps(args, protocol=5))
        self.bytes_received += len(pickle.dumps(results, protocol=5))
        return results


def fit_distributed(estimator, X, y, sample_weight, problem):
    """Fit ``estimator`` (an MTMK classifier or regressor) on dask collections.

    ``problem`` holds the arguments of :func:`~mtmk._fit.fit_kernel_model`
    besides the kernels and targets (datafit, penalty, solver options, start).
    """
    client = _client()
    if sample_weight is not None:
        raise ValueError("sample_weight is not supported with dask inputs; pass "
                         "sample_weight=None or fit on NumPy arrays.")
    kernels = estimator.kernels
    if not isinstance(kernels, KernelDictionary) or kernels.n_components is None:
        raise ValueError(
            "A fit on dask collections needs low-rank kernels: pass "
            "kernels=KernelDictionary(n_components=200) (or another n_components); got "
            f"kernels={kernels!r}.")
    check_row_blocks_problem(problem["solver"], problem["penalty"])
    names = _feature_names(X)
    X = _as_dask_array(X)
    n, p = X.shape
    y = y.compute() if is_dask_collection(y) else y
    y = check_array(y, ensure_2d=False, dtype=None if is_classifier(estimator) else np.float64)
    if y.shape[0] != n:
        raise ValueError(f"y has {y.shape[0]} rows but X has {n}.")
    targets = encode_tasks(y, None) if is_classifier(estimator) else encode_outputs(y, None)
    verbose = problem["verbose"]
    start = time.perf_counter()

    dictionary = clone(kernels)
    parts = list(X.to_delayed().ravel())

    def mean_diagonal(d):
        sums = client.gather(client.compute([_delayed(_diagonal_sums)(part, d)
                                             for part in parts]))
        return np.sum(sums, axis=0) / n

    mean_sq = float(client.compute((X ** 2).sum(axis=1).mean()).result())
    dictionary._fit_from_rows(n, p, lambda rows: client.compute(X[rows]).result(),
                              mean_sq, mean_diagonal)
    dtype = dictionary.factor_dtype(n)

    workers = sorted(client.scheduler_info()["workers"])
    bounds = np.concatenate([[0], np.cumsum(X.chunks[0])]).astype(int)
    actor_futures = []
    for k, part in enumerate(parts):
        worker = workers[k % len(workers)]
        rows = slice(bounds[k], bounds[k + 1])
        X_part = client.compute(part, workers=[worker])
        actor_futures.append(client.submit(
            _BlockActor, X_part, targets.values[rows], targets.weights[rows], dictionary,
            dtype, problem["datafit"], actor=True, workers=[worker], pure=False))
    actors = client.gather(actor_futures)
    # where each block really lives (the actor's worker), with its rows
    placement = [(actor._address, bounds[k + 1] - bounds[k]) for k, actor in enumerate(actors)]
    blocks = DaskBlocks(actors, dictionary.ranks_)
    setup = time.perf_counter() - start
    rows_per_worker = {}
    for worker, rows in placement:
        rows_per_worker[worker] = rows_per_worker.get(worker, 0) + int(rows)
    if verbose:
        print(f"[mtmk dask] {len(parts)} row blocks on {len(workers)} workers "
              f"({rows_per_worker}); dictionary and features in {setup:.1f} s")
    try:
        problem = estimator._on_data(problem, blocks, targets)
        result = fit_kernel_model(blocks, targets.values, targets.weights, **problem)
    finally:
        client.cancel(actor_futures)
    estimator._set_fitted(result, targets, list(dictionary.names_), dictionary,
                          problem["penalty"])
    estimator.n_features_in_ = p
    # as scikit-learn does for pandas: a DataFrame's string column names are kept
    if names is not None:
        estimator.feature_names_in_ = names
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    estimator._distributed_stats = dict(
        n_blocks=len(parts), workers=workers, rows_per_worker=rows_per_worker,
        setup_seconds=setup, calls=blocks.calls, bytes_sent=blocks.bytes_sent,
        bytes_received=blocks.bytes_received, sweeps=result.n_iter)
    if verbose:
        print(f"[mtmk dask] {result.n_iter} sweeps, {blocks.calls} block calls, "
              f"{(blocks.bytes_sent + blocks.bytes_received) / 2**20:.1f} MiB exchanged")
    return estimator


def _delayed(function):
    from dask import delayed

    return delayed(function)
