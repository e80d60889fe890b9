"""The problems of the solver tests' cvxpy reference sweeps: one data set behind the exact,
precomputed and Nystroem operators, classification or regression targets, and the penalties."""

import numpy as np

from mtmk import KernelDictionary
from mtmk._base import precomputed_operator
from mtmk._targets import encode_outputs, encode_tasks
from mtmk.solvers import FactorStack, GramStack, GroupPenalty, LpLqPenalty, TaskGroupPenalty


def operators(seed, n):
    """The same data behind the three operators: exact, precomputed and Nystroem."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    kd = KernelDictionary(rbf=[0.5], polynomial=(2,), linear=True)
    exact = GramStack(kd.fit(X).gram())
    precomputed, _ = precomputed_operator(np.moveaxis(exact.K, 0, 2).copy())
    nystroem = FactorStack(KernelDictionary(rbf=[0.5], polynomial=(2,), linear=True,
                                            n_components=12, random_state=seed).fit(X).features())
    # Nystroem factors are not orthogonal: the reference must not assume it.
    gram = nystroem.factors[0].T @ nystroem.factors[0]
    assert np.abs(gram - np.diag(np.diag(gram))).max() > 1e-3
    return X, {"exact": exact, "precomputed": precomputed, "nystroem": nystroem}


def targets(X, datafit, seed, masked):
    """Three tasks on the first two features: labels or real outputs by ``datafit``; with
    ``masked``, about 30% of the labels unobserved (zero weight)."""
    rng = np.random.default_rng(seed + 100)
    signal = np.column_stack([X[:, 0] + 0.5 * t * X[:, 1] for t in range(3)])
    weights = None
    if masked:
        weights = np.ones(signal.shape)
        weights[rng.random(signal.shape) < 0.3] = 0.0   # labels a task does not observe
    if not datafit.classification:
        return encode_outputs(signal + 0.3 * rng.normal(size=signal.shape), weights)
    return encode_tasks((signal + 0.5 * rng.normal(size=signal.shape) > 0).astype(int), weights)


PENALTIES = {
    "group L1": GroupPenalty(0.02),
    "group mix": GroupPenalty(0.01, 0.01),
    "group L2": GroupPenalty(0.0, 0.05),
    "task": TaskGroupPenalty(0.02, 0.001),
    "lplq q=1.5": LpLqPenalty(0.02, p=1.0, q=1.5),
}
