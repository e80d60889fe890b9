"""Small problems that test modules of several packages build the same way.

Plain functions, importable from every test module (the pytest configuration puts
tests/ on ``sys.path``) so that module-level data and parametrize lists can use
them; fixtures are in the ``conftest.py`` files.
"""

import numpy as np

from mtmk import KernelDictionary


def small_kernels(**params):
    """Three RBF widths, a quadratic and the linear kernel: 5 kernels.

    Fits stay fast and take the code paths of the default 10-kernel dictionary.
    """
    return KernelDictionary(rbf=3, polynomial=(2,), **params)


def two_class_problem():
    """The data of the bad-input tests: 40 rows and 3 features.

    Returns ``X``, a binary label ``y``, a real target ``y_reg``, a 4-kernel
    dictionary fitted on ``X`` and its Gram stack as (n_samples, n_samples, n_kernels).
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=40) > 0).astype(int)
    y_reg = X[:, 0] + 0.1 * rng.normal(size=40)
    kernels = KernelDictionary(rbf=2, polynomial=(2,))
    stack = kernels.fit(X).gram().transpose(1, 2, 0).copy()
    return X, y, y_reg, kernels, stack
