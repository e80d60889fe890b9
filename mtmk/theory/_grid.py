"""The configurations of a simulation sweep: their keys, defaults and checks.

A grid (:func:`expand_grid`) expands into complete configurations; a cell is
one configuration and one replication, identified by :func:`cell_id` in the
results file.
"""

import json
import math
import zlib
from numbers import Real

import numpy as np
from sklearn.model_selection import ParameterGrid

from ._data import FAMILIES, make_sparse_kernel_model

#: Methods a sweep can fit.
#: ``mtmk_l1``: MTMK with the group penalty only (lam_ridge = 0);
#: ``mtmk_l2``: MTMK with the ridge penalty only (lam_group = 0);
#: ``mtmk_mix``: both penalties;
#: ``stmkl``: single-task MKL, MTMK-L1 fitted separately on every task (T = 1);
#: ``best_single``: one kernel, chosen by validation log-loss among the M
#: one-kernel fits, refitted on all training data.
METHODS = ("mtmk_l1", "mtmk_l2", "mtmk_mix", "stmkl", "best_single")

#: Methods that can set kernel weights to exactly 0 (the L2 variant cannot:
#: with lam_group = 0 it keeps every kernel), so support recovery compares these.
SELECTING = ("mtmk_l1", "mtmk_mix", "stmkl")

#: Configuration keys of a cell and their defaults.
CONFIG_DEFAULTS = {
    "experiment": "default",
    "n": 200,
    "n_features": 10,
    "n_kernels": 16,
    "n_tasks": 3,
    "n_active": 2,
    "family": "polynomial",
    "design": "gaussian",
    "signal": 1.0,
    "c_group": 0.5,
    "n_components": "auto",
    "tol": 1e-3,
    "methods": ("mtmk_l1", "mtmk_l2"),
    "tuning": "schedule",
}

# Smallest training and validation sets the best-single-kernel split accepts.
MIN_SPLIT = 10
VALIDATION_FRACTION = 0.3


def stable_hash(obj):
    """A hash of a JSON-able value that is the same in every process and session."""
    return zlib.crc32(json.dumps(obj, sort_keys=True, default=str).encode())


def expand_grid(grid):
    """Expand a grid into complete, validated cell configurations.

    Parameters
    ----------
    grid : dict or list of dict
        Like :class:`sklearn.model_selection.ParameterGrid`: every key of
        ``CONFIG_DEFAULTS`` maps to a list of values (a scalar is a list of
        one); a list of dicts is the union of their grids.  Missing keys take
        their default.  ``methods`` is a list of method tuples.

    Returns
    -------
    list of dict
    """
    grids = [grid] if isinstance(grid, dict) else list(grid)
    if not grids:
        raise ValueError("The grid is empty: give at least one configuration.")
    configs = []
    for g in grids:
        if not isinstance(g, dict):
            raise ValueError(f"Grid entries must be dicts, got {type(g).__name__}.")
        unknown = set(g) - set(CONFIG_DEFAULTS)
        if unknown:
            raise ValueError(f"Unknown grid keys {sorted(unknown)}; known keys are "
                             f"{sorted(CONFIG_DEFAULTS)}.")
        lists = {}
        for key, value in g.items():
            if key == "methods":
                value = [value] if value and isinstance(value[0], str) else value
                lists[key] = [tuple(v) for v in value]
            elif isinstance(value, (list, tuple, np.ndarray)):
                lists[key] = list(value)
            else:
                lists[key] = [value]
            if len(lists[key]) == 0:
                raise ValueError(f"The grid is empty: key {key!r} has no values.")
        for params in ParameterGrid(lists):
            config = dict(CONFIG_DEFAULTS)
            config.update(params)
            check_config(config)
            configs.append(config)
    return configs


def check_config(config):
    for key in ("n", "n_features", "n_kernels", "n_tasks", "n_active"):
        value = config[key]
        if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.number))
                or int(value) != value or value < 1):
            raise ValueError(f"{key} must be a positive integer, got {value!r}.")
    if config["n_active"] > config["n_kernels"]:
        raise ValueError(f"More active kernels ({config['n_active']}) than kernels "
                         f"({config['n_kernels']}) in configuration {config}.")
    methods = config["methods"]
    if not methods:
        raise ValueError("Every configuration needs at least one method.")
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise ValueError(f"Unknown methods {bad}; choose among {list(METHODS)}.")
    if config["family"] not in FAMILIES:
        raise ValueError(f"family must be one of {sorted(FAMILIES)}, got {config['family']!r}.")
    if config["design"] not in ("gaussian", "uniform"):
        raise ValueError(f"design must be 'gaussian' or 'uniform', got {config['design']!r}.")
    if not (isinstance(config["signal"], (int, float, np.number)) and config["signal"] > 0):
        raise ValueError(f"signal must be a positive number, got {config['signal']!r}.")
    r = config["n_components"]
    if not (r in ("auto", "none", None) or (isinstance(r, (int, np.integer))
                                             and not isinstance(r, bool) and r >= 1)):
        raise ValueError(
            f"n_components must be 'auto', None or a positive integer (Nystroem landmarks), "
            f"got {r!r}.")
    # The model's own checks (e.g. padding kernels need an inactive covariate),
    # here rather than in every cell.
    make_sparse_kernel_model(
        n_features=config["n_features"], n_kernels=config["n_kernels"],
        n_active=config["n_active"], n_tasks=config["n_tasks"], family=config["family"],
        design=config["design"], signal=config["signal"], random_state=0)
    for key in ("c_group", "tol"):
        if not (isinstance(config[key], (Real, np.number)) and config[key] > 0):
            raise ValueError(f"{key} must be a positive number, got {config[key]!r}.")
    if config["tuning"] not in ("schedule", "validation"):
        raise ValueError(f"tuning must be 'schedule' or 'validation', got "
                         f"{config['tuning']!r}.")
    if config["tuning"] == "validation" and "best_single" in methods:
        raise ValueError("best_single selects its kernel on an internal validation split; "
                         "it runs only with tuning='schedule'.")
    n_val = int(round(VALIDATION_FRACTION * config["n"]))
    if config["n"] < 2 * MIN_SPLIT or ("best_single" in methods and
                                        min(n_val, config["n"] - n_val) < MIN_SPLIT):
        raise ValueError(
            f"n={config['n']} is too small: fits need at least {2 * MIN_SPLIT} samples "
            f"and the best-single-kernel validation split ({VALIDATION_FRACTION:.0%}) "
            f"needs {MIN_SPLIT} samples on each side "
            f"(n >= {math.ceil(MIN_SPLIT / VALIDATION_FRACTION)}).")


def cell_id(config, rep, n_test, random_state):
    """The key of one cell's rows in the results file."""
    return format(stable_hash([config, rep, n_test, random_state]), "08x")
