"""Fixtures of the solver tests."""

import pytest
from reference_problems import operators


@pytest.fixture(scope="session")
def reference_operators():
    """The 30-row data of the cvxpy reference sweeps behind its three operators, built once.

    The arrays are read-only, so a solver that wrote into an operator would fail
    here instead of changing the data of the cases after it.
    """
    X, ops = operators(0, n=30)
    for op in ops.values():
        for array in [getattr(op, "K", None), *getattr(op, "factors", ())]:
            if array is not None:
                array.setflags(write=False)
    return X, ops
