"""Negative (or otherwise impossible) sizes and seeds in the public theory
helpers are refused where they enter, with a message naming the parameter."""

import numpy as np
import pytest

from mtmk.theory import (
    empirical_rademacher,
    excess_risks,
    fit_loglog_slope,
    fit_slope,
    make_sparse_kernel_model,
    rademacher_curve,
    simulate,
    summarize,
)

MODEL = make_sparse_kernel_model(n_features=4, n_kernels=4, n_tasks=2, random_state=0)
GRID = dict(n=40, n_features=4, n_kernels=4, n_tasks=2, methods=["mtmk_l1"])
SEED = r"'random_state' parameter of {}.*int in the range \[0, 4294967295\].*Got -1"


SWEEP_OPTIONS = ("n_reps", "n_test", "random_state")


def _sweep(**changes):
    """simulate() with grid keys or options changed (options: SWEEP_OPTIONS)."""
    grid = dict(GRID, **{k: v for k, v in changes.items() if k not in SWEEP_OPTIONS})
    options = {"n_reps": 1, "n_test": 50, "progress": False,
               **{k: v for k, v in changes.items() if k in SWEEP_OPTIONS}}
    return lambda: simulate(grid, **options)


@pytest.mark.parametrize("call,match", [
    # the model and its generators
    (lambda: make_sparse_kernel_model(n_features=-1), "'n_features' parameter"),
    (lambda: make_sparse_kernel_model(n_kernels=-1), "'n_kernels' parameter"),
    (lambda: make_sparse_kernel_model(n_active=-1), "'n_active' parameter"),
    (lambda: make_sparse_kernel_model(n_tasks=-1), "'n_tasks' parameter"),
    (lambda: make_sparse_kernel_model(n_centers=-1), "'n_centers' parameter"),
    (lambda: make_sparse_kernel_model(random_state=-1), SEED.format("make_sparse_kernel_model")),
    (lambda: MODEL.sample(-1), r"'n' parameter of SparseKernelModel.sample .*\[1, inf\)"),
    (lambda: MODEL.sample(0), r"'n' parameter of SparseKernelModel.sample .*Got 0"),
    (lambda: MODEL.sample(2.5), r"'n' parameter of SparseKernelModel.sample .*Got 2.5"),
    (lambda: MODEL.sample(5, random_state=-1), SEED.format(r"SparseKernelModel\.sample")),
    (lambda: MODEL.sample_X(-1), r"'n' parameter of SparseKernelModel.sample_X"),
    (lambda: MODEL.sample_X(5, random_state=-1), SEED.format(r"SparseKernelModel\.sample_X")),
    (lambda: MODEL.bayes_risk(n_mc=-1), r"'n_mc' parameter of SparseKernelModel.bayes_risk"),
    (lambda: MODEL.bayes_risk(n_mc=0), r"'n_mc' parameter .*Got 0"),
    (lambda: MODEL.bayes_risk(n_mc=10, random_state=-1),
     SEED.format(r"SparseKernelModel\.bayes_risk")),
    (lambda: MODEL.logits(np.ones((3, 2))), r"X must have shape \(n_samples, 4\).*\(3, 2\)"),
    (lambda: excess_risks(np.ones((3, 2)), np.ones((4, 2))), r"same shape.*\(3, 2\).*\(4, 2\)"),
    # rates and complexities
    (lambda: fit_slope([1, 2, 3], [1, 2, 3], n_boot=-1), "'n_boot' parameter of fit_slope"),
    (lambda: fit_slope([1, 2, 3], [1, 2, 3], random_state=-1), SEED.format("fit_slope")),
    (lambda: fit_loglog_slope([1, 2, 3], [1, 2, 3], random_state=-1), SEED.format("fit_slope")),
    (lambda: empirical_rademacher(np.eye(3)[None], n_draws=-1), "'n_draws' parameter"),
    (lambda: empirical_rademacher(np.eye(3)[None], random_state=-1),
     SEED.format("empirical_rademacher")),
    (lambda: rademacher_curve([2, 4], n=-1), "'n' parameter of rademacher_curve"),
    (lambda: rademacher_curve([2, 4], n=10, random_state=-1), SEED.format("rademacher_curve")),
    (lambda: rademacher_curve([-2, 4], n=10), r"two distinct positive sizes, got \[-2, 4\]"),
    (lambda: rademacher_curve([2.5, 4], n=10), r"kernel_counts must hold integer .*2\.5"),
    # sweeps and their summaries
    (_sweep(n=-1), "n must be a positive integer, got -1"),
    (_sweep(n_features=-1), "n_features must be a positive integer, got -1"),
    (_sweep(n_kernels=-1), "n_kernels must be a positive integer, got -1"),
    (_sweep(n_tasks=-1), "n_tasks must be a positive integer, got -1"),
    (_sweep(n_active=-1), "n_active must be a positive integer, got -1"),
    (_sweep(n="a"), "n must be a positive integer, got 'a'"),
    (_sweep(n=None), "n must be a positive integer, got None"),
    (_sweep(n_reps=-1), "n_reps must be a positive integer, got -1"),
    (_sweep(n_test=-1), "n_test must be an integer >= 10, got -1"),
    (_sweep(random_state=-1), r"random_state must be an int in \[0, 2\*\*32 - 1\], got -1"),
    (_sweep(random_state=None), r"random_state must be an int .*got None"),
    (lambda: summarize([], n_boot=-1), "n_boot == -1, must be >= 1"),
    (lambda: summarize([], random_state=-1), r"random_state must be an int .*got -1"),
])
def test_bad_sizes_and_seeds_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_the_grid_refuses_non_numbers_for_penalty_settings():
    with pytest.raises(ValueError, match="c_group must be a positive number, got 'a'"):
        _sweep(c_group="a")()
