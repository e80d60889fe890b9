"""The low-rank fit on a dask.distributed cluster equals the in-process fit."""

import numpy as np
import pytest
from sklearn.base import clone

from mtmk import KernelDictionary, MTMKClassifier

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

KERNELS = KernelDictionary(rbf=2, polynomial=(2,), linear=False, n_components=30,
                           random_state=0)


def _data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    logits = X[:, :3] + np.sin(2 * X[:, 1:4]) + 0.5 * rng.logistic(size=(n, 3))
    return X, (logits > 0).astype(int)


def test_distributed_fit_needs_a_client():
    X, Y = _data(200)
    with pytest.raises(ValueError, match="no dask.distributed Client"):
        MTMKClassifier(kernels=KERNELS).fit(da.from_array(X, chunks=(100, 4)), Y)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.mark.slow
def test_distributed_fit_equals_in_process_fit(client):
    X, Y = _data()
    tol = 1e-3
    local = MTMKClassifier(kernels=KERNELS, tol=tol).fit(X, Y)
    X_dask = da.from_array(X, chunks=(500, 4))
    remote = MTMKClassifier(kernels=KERNELS, tol=tol).fit(X_dask, da.from_array(Y, chunks=500))
    assert remote.optimality_violation_ < tol
    assert remote.n_iter_ == local.n_iter_
    assert remote.objective_ == pytest.approx(local.objective_, rel=1e-9)
    np.testing.assert_allclose(remote.kernel_weights_, local.kernel_weights_, atol=1e-6)
    # an ordinary fitted estimator: predicts on NumPy arrays
    X_new, _ = _data(300, seed=1)
    np.testing.assert_allclose(remote.decision_function(X_new), local.decision_function(X_new),
                               atol=1e-6)
    stats = remote._distributed_stats
    # four row blocks of 500 rows, two on each worker (where the actors holding
    # them run): no worker holds all rows
    assert stats["n_blocks"] == 4
    assert sorted(stats["rows_per_worker"].values()) == [1000, 1000]
    # only small summaries travel: per call at most a few (r x T) arrays per block
    assert (stats["bytes_sent"] + stats["bytes_received"]) / stats["calls"] < 4 * 30 * 3 * 8 * 8


def test_distributed_fit_errors(client):
    X, Y = _data(200)
    clf = MTMKClassifier(kernels=KERNELS)
    with pytest.raises(ValueError, match="split the feature axis"):
        clf.fit(da.from_array(X, chunks=(100, 2)), Y)
    with pytest.raises(ValueError, match="low-rank kernels"):
        MTMKClassifier().fit(da.from_array(X, chunks=(100, 4)), Y)
    with pytest.raises(ValueError, match="sample_weight"):
        clf.fit(da.from_array(X, chunks=(100, 4)), Y, sample_weight=np.ones(200))


@pytest.mark.slow
def test_distributed_regressor_equals_in_process_fit(client):
    from mtmk import MTMKRegressor

    rng = np.random.default_rng(3)
    X = rng.normal(size=(1500, 4))
    Y = np.column_stack([np.sin(X[:, 0]) + X[:, 1], X[:, 2] ** 2]) + 0.1 * rng.normal(
        size=(1500, 2))
    local = MTMKRegressor(kernels=KERNELS, lam_group=0.01, lam_ridge=1e-3, tol=1e-3).fit(X, Y)
    remote = MTMKRegressor(kernels=KERNELS, lam_group=0.01, lam_ridge=1e-3, tol=1e-3).fit(
        da.from_array(X, chunks=(400, 4)), Y)
    # Four blocks sum in another order than one, and on least-squares problems
    # that converge slowly rounding can change the path: the two fits must
    # agree to the solver's tolerance.
    assert remote.optimality_violation_ < 1e-3 and local.optimality_violation_ < 1e-3
    assert remote.objective_ == pytest.approx(local.objective_, rel=1e-6)
    np.testing.assert_allclose(remote.predict(X[:100]), local.predict(X[:100]), atol=1e-3)
    assert remote._distributed_stats["n_blocks"] == 4


def test_distributed_fit_takes_a_dask_dataframe(client):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, Y = _data(1200)
    frame = dd.from_pandas(pd.DataFrame(X, columns=list("abcd")), npartitions=3)
    model = MTMKClassifier(kernels=KERNELS, lam_group=0.01, tol=1e-2)
    from_frame = clone(model).fit(frame, Y)
    from_array = clone(model).fit(da.from_array(X, chunks=(400, 4)), Y)
    assert from_frame._distributed_stats["n_blocks"] == 3
    assert from_frame.n_features_in_ == 4
    assert from_frame.objective_ == pytest.approx(from_array.objective_, rel=1e-9)
    # column names are kept as for a pandas DataFrame, and dropped by a refit on an array
    assert list(from_frame.feature_names_in_) == list("abcd")
    assert not hasattr(from_array, "feature_names_in_")
    np.testing.assert_allclose(from_frame.decision_function(pd.DataFrame(X, columns=list("abcd"))),
                               from_array.decision_function(X), atol=1e-6)
    assert not hasattr(from_frame.fit(da.from_array(X, chunks=(400, 4)), Y), "feature_names_in_")
