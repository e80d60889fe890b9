"""Bad input to the theory helpers, the sweep and the ``simulate`` command.

Covers parameter checks of the public functions and a robust resume: a
results file that does not parse, a truncated row, a garbled value, another
seed or configuration in the folder.
"""

import csv
import os
import warnings

import numpy as np
import pytest

from mtmk.theory import _cli as cli
from mtmk.theory import (
    empirical_rademacher,
    fit_slope,
    load_results,
    make_sparse_kernel_model,
    rademacher_curve,
    simulate,
)

GRID = dict(n=40, n_features=4, n_kernels=4, n_tasks=2, methods=["mtmk_l1"])


@pytest.mark.parametrize("call,match", [
    (lambda: fit_slope([1, 2, 3, 4], [1, 2, 3, 4], n_boot=0), "'n_boot' parameter of fit_slope"),
    (lambda: fit_slope([1, 2], [1, 2], confidence=1.0), "'confidence' parameter"),
    (lambda: fit_slope([1, 2, np.nan], [1, 2, 3]), "finite"),
    (lambda: rademacher_curve([2, 4], n=0), "'n' parameter of rademacher_curve"),
    (lambda: rademacher_curve([2, 4], n=20, n_draws=1), "'n_draws' parameter"),
    (lambda: rademacher_curve([2, 4], n=20, family="spline"), "'family' parameter"),
    (lambda: empirical_rademacher(np.eye(3)[None], radius=-1), "'radius' parameter"),
    (lambda: empirical_rademacher(np.eye(3)[None], radius=0), "'radius' parameter"),
    (lambda: empirical_rademacher(np.full((1, 3, 3), np.nan)), "grams contains NaN"),
    (lambda: make_sparse_kernel_model(n_tasks=2.5), "'n_tasks' parameter"),
    (lambda: make_sparse_kernel_model(n_kernels=0), "'n_kernels' parameter"),
    (lambda: make_sparse_kernel_model(family="rbf", kernel_param=-1.0), "'kernel_param'"),
    (lambda: make_sparse_kernel_model(kernel_param=2.5), "polynomial degree"),
    (lambda: make_sparse_kernel_model(family="linear", kernel_param=1.0), "no parameter"),
    (lambda: make_sparse_kernel_model(signal=0.0), "'signal' parameter"),
])
def test_helper_parameters(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("grid,match", [
    (dict(GRID, n_components=-5), "n_components must be 'auto', None or a positive integer"),
    (dict(GRID, n_components="many"), "n_components must be"),
    (dict(GRID, family="spline"), "family must be one of"),
    (dict(GRID, design="beta"), "design must be"),
    (dict(GRID, signal=-1.0), "signal must be a positive number"),
    (dict(GRID, n_features=2, n_kernels=8, n_active=2), "inactive covariates"),
])
def test_invalid_settings_are_refused_before_any_cell_runs(grid, match, tmp_path):
    path = tmp_path / "results.csv"
    with pytest.raises(ValueError, match=match):
        simulate(grid, n_reps=1, n_test=50, results_path=str(path), progress=False)
    assert not path.exists()          # nothing written: no rows of "error" only


# ----------------------------------------------------------------- resume
@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished two-cell sweep: its folder, file text and rows."""
    folder = tmp_path_factory.mktemp("sweep")
    path = str(folder / "results.csv")
    rows = simulate(GRID, n_reps=2, n_test=50, results_path=path, progress=False)
    with open(path) as fh:
        text = fh.read()
    return path, text, rows


def _copy(finished, tmp_path, text=None):
    path = str(tmp_path / "results.csv")
    with open(path, "w") as fh:
        fh.write(finished[1] if text is None else text)
    return path


def _calls(monkeypatch):
    from mtmk.theory import _sweep as sweep
    calls, original = [], sweep.run_cell
    monkeypatch.setattr(sweep, "run_cell",
                        lambda *a, **k: (calls.append(a[1]), original(*a, **k))[1])
    return calls


@pytest.mark.parametrize("content,match", [
    ("these are my notes, not results\nsecond line\n", "is not a results file of simulate"),
    (b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary", "not UTF-8 text"),
])
def test_a_file_that_is_not_a_results_file_is_refused_and_kept(content, match, tmp_path):
    path = tmp_path / "results.csv"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    with pytest.raises(ValueError, match=match):
        simulate(GRID, n_reps=2, n_test=50, results_path=str(path), progress=False)
    with pytest.raises(ValueError, match=match):
        load_results(str(path))
    assert (path.read_bytes() if isinstance(content, bytes) else path.read_text()) == content


def test_a_truncated_row_is_detected_and_its_cell_recomputed(finished, tmp_path, monkeypatch):
    text = finished[1]
    # Cut the last row inside its quoted config JSON, as a crash mid-write would.
    cut = text.rstrip("\n")
    cut = cut[:cut.rindex('""methods""')]
    path = _copy(finished, tmp_path, cut)
    with pytest.warns(UserWarning, match=r"config field is not valid JSON"):
        assert len(load_results(path)) == 1          # the cut cell is not complete
    calls = _calls(monkeypatch)
    with pytest.warns(UserWarning, match=r"unreadable row.*recomputed.*\.corrupt"):
        rows = simulate(GRID, n_reps=2, n_test=50, results_path=path, progress=False)
    assert calls == [1]                                # only the damaged cell ran again
    assert os.path.exists(path + ".corrupt")
    np.testing.assert_allclose([r["estimation_error"] for r in rows],
                               [r["estimation_error"] for r in finished[2]], rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # the rewritten file is clean
        assert len(load_results(path)) == 2


@pytest.mark.parametrize("column,value", [("estimation_error", "0.0x31"),
                                          ("n", "4O"), ("converged", "maybe"),
                                          ("cell_id", "0000beef")])
def test_a_garbled_value_is_detected_and_recomputed(finished, tmp_path, monkeypatch,
                                                    column, value):
    with open(finished[0], newline="") as fh:
        table = list(csv.reader(fh))
    table[1][table[0].index(column)] = value
    path = str(tmp_path / "results.csv")
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(table)
    calls = _calls(monkeypatch)
    with pytest.warns(UserWarning, match=rf"line 2: .*{column}"):
        rows = simulate(GRID, n_reps=2, n_test=50, results_path=path, progress=False)
    assert len(calls) == 1
    assert all(np.isfinite(r["estimation_error"]) for r in rows)
    np.testing.assert_allclose(sorted(r["estimation_error"] for r in rows),
                               sorted(r["estimation_error"] for r in finished[2]), rtol=1e-9)


def test_another_seed_in_the_folder_is_refused(finished, tmp_path):
    path = _copy(finished, tmp_path)
    with pytest.raises(ValueError, match=r"random_state=0.*random_state=1.*another output"):
        simulate(GRID, n_reps=2, n_test=50, results_path=path, random_state=1, progress=False)
    with pytest.raises(ValueError, match=r"n_test=50.*n_test=60"):
        simulate(GRID, n_reps=2, n_test=60, results_path=path, progress=False)
    with open(path) as fh:
        assert fh.read() == finished[1]                # left as it was


def test_rows_of_another_configuration_are_not_mixed_in(finished, tmp_path):
    path = _copy(finished, tmp_path)
    with pytest.warns(UserWarning, match=r"outside this sweep's grid"):
        rows = simulate(dict(GRID, n=50), n_reps=1, n_test=50, results_path=path,
                        progress=False)
    assert [r["n"] for r in rows] == [50]
    assert len(load_results(path)) == 3               # the other rows stay in the file


# --------------------------------------------------------------------- CLI
@pytest.mark.parametrize("args,match", [
    (["--n-boot", "0"], "--n-boot: 0 is below 1"),
    (["--random-state", "-1"], "--random-state: -1 is below 0"),
    (["--n-reps", "0"], "--n-reps: 0 is below 1"),
    (["--n-jobs", "0"], "--n-jobs: 0 jobs"),
    (["--n-boot", "many"], "--n-boot: 'many' is not an integer"),
])
def test_cli_arguments(args, match, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["simulate", "--out", str(tmp_path)] + args)
    assert exit_info.value.code == 2
    assert match in capsys.readouterr().err


def _tiny_preset(monkeypatch, grid=GRID):
    def tiny():
        return dict(grid=[dict(grid, experiment="rate_n", n=[40, 60])], n_reps=1, n_test=50,
                    rademacher=dict(kernel_counts=[2, 4], n=20, n_draws=10))
    monkeypatch.setitem(cli.PRESETS, "tiny", tiny)


def test_cli_refuses_a_folder_with_another_seed(tmp_path, monkeypatch, capsys):
    _tiny_preset(monkeypatch)
    args = ["simulate", "--preset", "tiny", "--out", str(tmp_path), "--n-jobs", "1",
            "--no-progress", "--no-plots", "--n-boot", "20"]
    assert cli.main(args) == 0
    summary = (tmp_path / "summary.json").read_text()
    assert cli.main(args + ["--random-state", "1"]) == 2
    assert "holds rows of a sweep with random_state=0" in capsys.readouterr().err
    assert (tmp_path / "summary.json").read_text() == summary     # not mixed, not replaced


def test_cli_refuses_a_results_file_that_does_not_parse(tmp_path, monkeypatch, capsys):
    _tiny_preset(monkeypatch)
    (tmp_path / "results.csv").write_text("cell,notes\n1,2\n")
    assert cli.main(["simulate", "--preset", "tiny", "--out", str(tmp_path), "--n-jobs", "1",
                     "--no-progress", "--no-plots"]) == 2
    assert "is not a results file of simulate" in capsys.readouterr().err


def test_cli_exits_non_zero_when_fits_fail(tmp_path, monkeypatch, capsys):
    from mtmk.theory import _sweep as sweep
    _tiny_preset(monkeypatch)

    def failing(method, *args):
        raise ValueError("simulated solver failure")

    monkeypatch.setattr(sweep, "_fit_method", failing)
    code = cli.main(["simulate", "--preset", "tiny", "--out", str(tmp_path), "--n-jobs", "1",
                     "--no-progress", "--no-plots", "--n-boot", "20"])
    assert code == 1
    assert "2 of 2 fits failed" in capsys.readouterr().err
