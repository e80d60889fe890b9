"""The multi-task multi-kernel engine: datafits x penalties x kernel operators.

Solvers take plain arrays, a kernel operator (:class:`GramStack` or
:class:`FactorStack`), a datafit and a penalty, and never import estimators.
:func:`solve_newton` takes Newton steps on the kernel weights, :func:`solve_bcd`
is the native block solver (:func:`solve_rows` the same
iteration over low-rank kernels cut into row blocks, in this process or on a
dask cluster), :func:`solve_lplq` the
alternation for the lp-lq penalty, :func:`solve_cvxpy` the exact reference for
every combination.  What a solver asks of a datafit or a penalty is declared by
:class:`BaseDatafit` and :class:`BasePenalty` and checked on entry.  Every
solver, the classic MKL ones included, returns a :class:`SolverResult`.
"""

from ._bcd import lam_max, objective, optimality_violation, solve_bcd, solve_path
from ._contract import BaseDatafit, BasePenalty
from ._datafits import Huber, Logistic, Quadratic, SquaredHinge
from ._lplq import solve_lplq
from ._newton import solve_newton
from ._operators import FactorStack, GramStack
from ._penalties import GroupPenalty, LpLqPenalty, TaskGroupPenalty
from ._reference import solve_cvxpy
from ._result import SolverResult
from ._rows import solve_rows

__all__ = ["BaseDatafit", "BasePenalty", "FactorStack", "GramStack", "GroupPenalty", "Huber",
           "Logistic", "LpLqPenalty", "Quadratic", "SolverResult", "SquaredHinge",
           "TaskGroupPenalty", "lam_max", "objective", "optimality_violation", "solve_bcd",
           "solve_cvxpy", "solve_lplq", "solve_newton", "solve_path", "solve_rows"]
