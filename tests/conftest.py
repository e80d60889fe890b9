"""Fixtures shared by the test packages.

Helpers that module-level code or parametrize lists need are plain functions in
``shared.py``; the ``slow`` marker is registered in setup.cfg.
"""

import os

import pytest
from joblib import cpu_count
from shared import two_class_problem
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits


def pytest_configure(config):
    # Under pytest-xdist (make test) each worker gets its share of the cores for
    # BLAS and OpenMP, so that n workers do not each start a thread per core.
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:
        threadpool_limits(max(cpu_count() // int(workers), 1))


@pytest.fixture(scope="module")
def iris():
    """Iris with standardised features: ``X`` (150, 4) and the three-class ``y``."""
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(params=[(1e300, "overflow"), (1e-300, "underflow")], ids=["1e300", "1e-300"])
def extreme_scale(request):
    """A factor whose features' squares overflow or underflow, and the word the refusal uses."""
    return request.param


@pytest.fixture(params=[
    (lambda stack: stack * 1e300, r"overflow.*Rescale the kernels"),
    (lambda stack: stack * 1e-300, r"underflow.*Rescale the kernels"),
    (lambda stack: stack[:, :, :0], r"no kernel"),
    (lambda stack: stack * 0.0, r"Every precomputed kernel"),
    (lambda stack: stack[:, :-1], r"square"),
], ids=["overflow", "underflow", "no-kernel", "all-zero", "not-square"])
def degenerate_stack(request):
    """A precomputed stack of ``two_class_problem`` that every estimator refuses, and the
    message it gives."""
    make, match = request.param
    return make(two_class_problem()[4]), match
