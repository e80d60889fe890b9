"""alignment_table: a task without rows, no task, no row or a bad seed are
refused with a message that names the problem (not scikit-learn's "0 samples")."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from mtmk.alignment import alignment_table
from mtmk.datasets import make_alignment_data

DATA = make_alignment_data(n_tasks=3, n_images=20, n_texts=10, random_state=0)
METHODS = {"LR": (LogisticRegression(), False)}


def _table(**changes):
    args = dict(X=DATA.X, Y=DATA.Y, modality=DATA.modality, task_mask=DATA.task_mask,
                methods=METHODS)
    return alignment_table(**{**args, **changes})


@pytest.mark.parametrize("task", [0, 1, 2])
def test_a_task_without_rows_is_named(task):
    mask = DATA.task_mask.copy()
    mask[:, task] = 0
    with pytest.raises(ValueError, match=rf"Task {task} has no rows: task_mask\[:, {task}\] "
                                         rf"is 0 everywhere.*drop column {task}"):
        _table(task_mask=mask)


def test_no_task_column():
    with pytest.raises(ValueError, match=r"with at least one task, got \(180, 0\)"):
        _table(Y=DATA.Y[:, :0], task_mask=DATA.task_mask[:, :0])


def test_no_row():
    with pytest.raises(ValueError, match=r"X must be 2-D .*at least one row, got shape \(0, "):
        _table(X=DATA.X[:0], Y=DATA.Y[:0], modality=DATA.modality[:0],
               task_mask=DATA.task_mask[:0])


def test_negative_seed():
    with pytest.raises(ValueError, match=r"random_state must be None, an int in .*got -1"):
        _table(random_state=-1)


def test_the_tasks_with_rows_still_run():
    result = _table(n_splits=2)
    assert [row["method"] for row in result.summary] == ["LR"]
    assert {s["task"] for s in result.scores} == {0, 1, 2}
    assert all(0.0 <= s["auc"] <= 1.0 for s in result.scores if np.isfinite(s["auc"]))
