"""Solvers for the MTMK objective (SPEC section 2).

They take plain arrays and a Gram stack (anything with ``n_kernels``, ``dot``,
``top_eigenvalue`` and ``factor``) and never import estimators.
"""

from .bcd import SolverResult, lam_max, mtmk_objective, optimality_violation, solve_bcd
from .reference import solve_cvxpy

__all__ = ["SolverResult", "lam_max", "mtmk_objective", "optimality_violation",
           "solve_bcd", "solve_cvxpy"]
