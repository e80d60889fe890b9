"""The solver contract: every solver refuses, on entry, a datafit or penalty that
lacks what it uses, accepts duck-typed ones, and the block solvers take the
penalty along block scales from the penalty itself."""

import numpy as np
import pytest

from mtmk import KernelDictionary
from mtmk._targets import encode_tasks
from mtmk.solvers import (
    BaseDatafit,
    BasePenalty,
    FactorStack,
    GramStack,
    GroupPenalty,
    Logistic,
    LpLqPenalty,
    Quadratic,
    TaskGroupPenalty,
    lam_max,
    solve_bcd,
    solve_cvxpy,
    solve_lplq,
    solve_newton,
    solve_rows,
)
from mtmk.solvers._rows import LocalBlocks
from mtmk.solvers._scales import penalty_along_scales


def _data(n=24):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    kd = KernelDictionary(rbf=[0.5], polynomial=(2,), linear=True)
    gram = GramStack(kd.fit(X).gram())
    factors = FactorStack(KernelDictionary(rbf=[0.5], polynomial=(2,), linear=True,
                                           n_components=8, random_state=0).fit(X).features())
    tasks = encode_tasks((X[:, :2] + 0.3 * rng.normal(size=(n, 2)) > 0).astype(int))
    return gram, factors, tasks.signs, tasks.weights


GRAM, FACTORS, Y, W = _data()


def _run(solver, datafit, penalty):
    if solver == "solve_bcd":
        return solve_bcd(GRAM, Y, W, datafit, penalty)
    if solver == "solve_rows":
        blocks = LocalBlocks.split(FACTORS.factors, Y, W, datafit)
        return solve_rows(blocks, [P.shape[1] for P in FACTORS.factors], Y.shape[1], datafit,
                          penalty)
    if solver == "solve_lplq":
        return solve_lplq(GRAM, Y, W, datafit, penalty)
    if solver == "solve_newton":
        return solve_newton(GRAM, Y, W, datafit, penalty)
    if solver == "solve_cvxpy":
        return solve_cvxpy(GRAM, Y, W, datafit, penalty)
    return lam_max(GRAM, Y, W, datafit, penalty)


def _duck(obj, drop=()):
    """An object with ``obj``'s public methods and attributes, minus ``drop``,
    that inherits from neither base class."""
    members = {}
    for name in dir(obj):
        if name.startswith("_") or name in drop:
            continue
        value = getattr(obj, name)
        members[name] = (staticmethod(value) if callable(value) else value)
    members["__repr__"] = lambda self: f"Duck{type(obj).__name__}"
    return type(f"Duck{type(obj).__name__}", (), members)()


# per solver: a datafit and a penalty it accepts, and one thing each uses
CASES = {
    "solve_bcd": (Logistic(), GroupPenalty(0.05), "difference", "prox_scale"),
    "solve_rows": (Logistic(), GroupPenalty(0.05), "hessian_diagonal", "scale_terms"),
    "solve_lplq": (Logistic(), LpLqPenalty(0.05, q=1.5), "gradient", "kernel_norms"),
    "solve_newton": (Logistic(), TaskGroupPenalty(0.05), "curvature", "lam_ridge"),
    "solve_cvxpy": (Logistic(), GroupPenalty(0.05), "cvxpy", "cvxpy"),
    "lam_max": (Logistic(), GroupPenalty(0.05), "initial_intercept", "dual_norm"),
}


@pytest.mark.parametrize("solver", list(CASES))
def test_a_datafit_without_a_required_method_is_refused(solver):
    datafit, penalty, method, _ = CASES[solver]
    with pytest.raises(TypeError, match=rf"^{solver}: the datafit DuckLogistic lacks {method} "):
        _run(solver, _duck(datafit, drop=(method,)), penalty)


@pytest.mark.parametrize("solver", list(CASES))
def test_a_penalty_without_a_required_method_is_refused(solver):
    datafit, penalty, _, method = CASES[solver]
    name = type(penalty).__name__
    with pytest.raises(TypeError, match=rf"^{solver}: the penalty Duck{name} lacks {method} "):
        _run(solver, datafit, _duck(penalty, drop=(method,)))


@pytest.mark.parametrize("solver", list(CASES))
def test_duck_typed_building_blocks_are_accepted(solver):
    """Objects with the methods but neither base class give the same result."""
    datafit, penalty, _, _ = CASES[solver]
    native = _run(solver, datafit, penalty)
    duck = _run(solver, _duck(datafit), _duck(penalty))
    if solver == "lam_max":
        assert duck == native > 0
    else:
        assert duck.objective == native.objective


def test_every_missing_name_of_both_objects_is_reported():
    with pytest.raises(TypeError) as error:
        solve_bcd(GRAM, Y, W, _duck(Logistic(), drop=("gradient", "curvature")),
                  _duck(GroupPenalty(0.05), drop=("level",)))
    message = str(error.value)
    assert "the datafit DuckLogistic lacks gradient, curvature" in message
    assert "the penalty DuckGroupPenalty lacks level" in message


def test_a_method_the_base_class_only_declares_counts_as_missing():
    class HalfDone(BaseDatafit):
        curvature = 1.0

        def value(self, F, Y, W):
            return 0.0

    with pytest.raises(TypeError, match="HalfDone.*lacks difference, gradient, "
                                        "hessian_diagonal, initial_intercept"):
        solve_bcd(GRAM, Y, W, HalfDone(), GroupPenalty(0.05))


def test_a_penalty_without_closed_form_prox_is_sent_to_solve_lplq():
    with pytest.raises(TypeError, match=r"LpLqPenalty.*lacks prox_scale, scale_terms.*"
                                        r"solve_lplq"):
        solve_bcd(GRAM, Y, W, Logistic(), LpLqPenalty(0.05, q=1.5))


def test_the_shipped_building_blocks_satisfy_the_contract():
    """Every shipped datafit and penalty is a subclass of its base class."""
    from mtmk.solvers import Huber, SquaredHinge

    for datafit in (Logistic(), SquaredHinge(), Quadratic(), Huber()):
        assert isinstance(datafit, BaseDatafit)
    for penalty in (GroupPenalty(0.1), TaskGroupPenalty(0.1), LpLqPenalty(0.1)):
        assert isinstance(penalty, BasePenalty)


@pytest.mark.parametrize("penalty", [GroupPenalty(0.3, 0.2, weights=[1.0, 2.0, 0.5]),
                                     TaskGroupPenalty(0.3, 0.2, weights=[1.0, 2.0, 0.5])],
                         ids=repr)
def test_scale_terms_are_the_penalty_along_a_scale(penalty):
    """Scaling block m's task norms by s (one s for all tasks, or one per task)
    changes the penalty by exactly A s + B s^2 - (A + B)."""
    rng = np.random.default_rng(1)
    norms = rng.random((3, 4))
    for m in range(3):
        A, B = penalty.scale_terms(m, norms[m])
        assert A.shape == B.shape == ((4,) if penalty.separable_tasks else (1,))
        s = rng.random(A.shape) * 3
        scaled = norms.copy()
        scaled[m] *= s
        change = penalty.value(scaled) - penalty.value(norms)
        assert change == pytest.approx(float(np.sum(A * s + B * s * s - A - B)), rel=1e-12)


def test_the_scale_step_asks_the_penalty():
    """penalty_along_scales returns the penalty's own coefficients, stacked per block."""
    calls = []

    class Recording(GroupPenalty):
        def scale_terms(self, m, a):
            calls.append(m)
            return np.array([float(m)]), np.array([10.0 + m])

    A, B = penalty_along_scales(Recording(0.1), np.ones((4, 2)), [3, 1])
    assert calls == [3, 1]
    np.testing.assert_array_equal(A, [[3.0], [1.0]])
    np.testing.assert_array_equal(B, [[13.0], [11.0]])

