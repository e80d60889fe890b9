"""The resumable results file of a simulation sweep.

Rows are appended to a CSV file as cells finish.  Reading it back keeps only
complete cells whose rows agree with their own configuration, so a rerun
with the same file computes the missing or damaged cells only.
"""

import csv
import json
import os
import warnings

import numpy as np

from ._grid import CONFIG_DEFAULTS, cell_id

#: Columns of the results file, in order.
RESULT_COLUMNS = (
    ["cell_id", "experiment", "rep", "method"]
    + [k for k in CONFIG_DEFAULTS if k not in ("experiment", "methods")]
    + ["n_methods", "lam_group", "lam_ridge", "n_test", "random_state", "model_seed",
       "data_seed", "estimation_error", "excess_logistic", "excess_zero_one",
       "bayes_zero_one", "support_exact", "support_top", "n_selected", "auc",
       "converged", "fit_time", "grid_edge", "status", "config"])

#: Columns read back as numbers.
NUMERIC = {"rep", "n", "n_features", "n_kernels", "n_tasks", "n_active", "signal",
           "c_group", "tol", "n_methods", "lam_group", "lam_ridge", "n_test", "random_state",
           "model_seed", "data_seed", "estimation_error", "excess_logistic",
           "excess_zero_one", "bayes_zero_one", "support_exact", "support_top",
           "n_selected", "auc", "fit_time", "grid_edge"}


def read_results(path):
    """Parsed rows of a results file and the problems found in it.

    Raises ``ValueError`` if the file is not a results file of :func:`simulate`
    (not UTF-8 text, not CSV, or another header).  A row that is truncated, has
    a value that does not parse or disagrees with its own configuration is a
    problem: it is left out, and so are the other rows of its cell.

    Returns
    -------
    rows : list of dict
    problems : list of str
    """
    fix = (" Move the file away or choose another output folder (results_path / --out); "
           "it was left as it is.")
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:          # empty: created, then interrupted at once
                return [], []
            if header != list(RESULT_COLUMNS):
                raise ValueError(
                    f"{path} is not a results file of simulate: its first line holds "
                    f"{len(header)} field(s) starting {header[:3]!r}, not the columns "
                    f"{list(RESULT_COLUMNS[:3])!r}... of simulate's results." + fix)
            raw_rows = []
            for fields in reader:
                raw_rows.append((reader.line_num, fields))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not a results file of simulate: it is not UTF-8 text "
                         f"({exc.reason} at byte {exc.start})." + fix) from None
    except csv.Error as exc:
        raise ValueError(f"{path} is not a results file of simulate: it is not valid CSV "
                         f"({exc})." + fix) from None
    rows, problems, bad_cells = [], [], set()
    for line, fields in raw_rows:
        if len(fields) != len(RESULT_COLUMNS):
            problems.append(f"line {line}: {len(fields)} fields instead of "
                            f"{len(RESULT_COLUMNS)} (a truncated row)")
            if fields:
                bad_cells.add(fields[0])
            continue
        raw = dict(zip(RESULT_COLUMNS, fields))
        reason = _row_problem(raw)
        if reason:
            problems.append(f"line {line}: {reason}")
            bad_cells.add(raw["cell_id"])
            continue
        rows.append(_parse(raw))
    return [r for r in rows if r["cell_id"] not in bad_cells], problems


def _row_problem(raw):
    """Why a raw results row cannot be trusted, or None."""
    try:
        config = json.loads(raw["config"])
    except ValueError:
        return "its config field is not valid JSON (a truncated or garbled row)"
    if not isinstance(config, dict) or set(config) != set(CONFIG_DEFAULTS):
        return "its config field does not hold a sweep configuration"
    ints = {}
    for key in ("rep", "n_test", "random_state"):
        try:
            ints[key] = int(raw[key])
        except ValueError:
            return f"{key}={raw[key]!r} is not an integer"
    if cell_id(config, ints["rep"], ints["n_test"], ints["random_state"]) != raw["cell_id"]:
        return (f"cell_id {raw['cell_id']!r} does not match its configuration, replication "
                "and seed (a garbled value)")
    for key, value in config.items():
        if key == "methods":
            continue
        if key in NUMERIC:
            try:
                same = float(raw[key]) == float(value)
            except (TypeError, ValueError):
                same = False
        else:
            same = raw[key] == ("" if value is None else str(value))
        if not same:
            return f"{key}={raw[key]!r} disagrees with its configuration ({value!r})"
    if raw["method"] not in config["methods"]:
        return f"method {raw['method']!r} is not among the configuration's methods"
    if raw["status"] == "ok":
        for key in NUMERIC:
            try:
                float(raw[key])
            except ValueError:
                return f"{key}={raw[key]!r} is not a number (a garbled value)"
        if raw["converged"] not in ("True", "False"):
            return f"converged={raw['converged']!r} is not True or False"
    return None


def load_results(path):
    """Read a results CSV into a list of dicts with numbers parsed.

    Only complete cells (all their method rows present, every fit ``ok``) are
    returned; ``simulate`` reruns the others.  Rows that are truncated,
    garbled or inconsistent with their configuration are left out with a
    warning (their cells count as unfinished).

    Parameters
    ----------
    path : str or path-like
        The ``results.csv`` written by :func:`simulate`.

    Raises
    ------
    ValueError
        If ``path`` is not a results file of :func:`simulate`.
    """
    rows, problems = read_results(path)
    if problems:
        warnings.warn(problem_report(path, problems), UserWarning, stacklevel=2)
    return complete_cells(rows)


def problem_report(path, problems, action="their cells count as unfinished"):
    shown = "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
    return f"{path}: {len(problems)} unreadable row(s), {action}: {shown}."


def _parse(row):
    out = {}
    for key, value in row.items():
        if key in NUMERIC:
            try:
                value = float(value) if value not in ("", None) else float("nan")
            except ValueError:
                value = float("nan")
            if key in ("rep", "n", "n_features", "n_kernels", "n_tasks", "n_active",
                       "n_methods", "n_test", "random_state", "model_seed",
                       "data_seed") and np.isfinite(value):
                value = int(value)
        elif key == "converged":
            value = value == "True"
        out[key] = value
    return out


def complete_cells(rows):
    """Rows of the cells with all their method rows and no failed fit.

    A cell with a failed fit counts as unfinished, so a rerun retries it
    (after a fix, or when the failure was a resource problem).
    """
    counts, failed = {}, set()
    for r in rows:
        counts[r["cell_id"]] = counts.get(r["cell_id"], 0) + 1
        if r.get("status") != "ok":
            failed.add(r["cell_id"])
    return [r for r in rows if r.get("n_methods") and r["cell_id"] not in failed
            and counts[r["cell_id"]] == int(r["n_methods"])]


def write_rows(path, rows, mode):
    with open(path, mode, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=RESULT_COLUMNS, extrasaction="ignore")
        if mode == "w":
            writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in RESULT_COLUMNS})
        fh.flush()
        os.fsync(fh.fileno())


def check_same_sweep(path, rows, n_test, random_state):
    """Refuse to add rows of one seed (or test size) to a file holding another."""
    found = sorted({(r["random_state"], r["n_test"]) for r in rows})
    other = [f for f in found if f != (random_state, n_test)]
    if other:
        seeds = ", ".join(f"random_state={s}, n_test={t}" for s, t in other)
        raise ValueError(
            f"{path} holds rows of a sweep with {seeds}; this run asks for "
            f"random_state={random_state}, n_test={n_test}. Rows of different seeds must "
            "not be mixed in one summary: choose another output folder (results_path / "
            "--out), or rerun with the same random_state and n_test to resume.")


def roundtrip(row):
    """Normalise a fresh row to what reading it back from the CSV gives."""
    flat = {k: row.get(k, "") for k in RESULT_COLUMNS}
    return _parse({k: ("" if v is None else str(v) if not isinstance(v, float) else repr(v))
                   for k, v in flat.items()})
