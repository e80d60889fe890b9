"""The lean ROC-AUC agrees with scikit-learn's, ties included."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mtmk._metrics import binary_auc


@pytest.mark.parametrize("seed", range(5))
def test_binary_auc_matches_scikit_learn(seed):
    rng = np.random.RandomState(seed)
    n = rng.randint(5, 60)
    y = rng.randint(0, 2, size=n)
    y[:2] = [0, 1]
    # rounded scores: many ties, which get half credit in both
    score = np.round(rng.normal(size=n) + y, 1)
    assert binary_auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert binary_auc(2 * y - 1, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    w = rng.randint(0, 4, size=n) * 0.5
    w[:2] = 1.0
    assert binary_auc(y, score, sample_weight=w) == pytest.approx(
        roc_auc_score(y, score, sample_weight=w), abs=1e-12)


def test_binary_auc_refuses_one_class_and_nan():
    with pytest.raises(ValueError, match="two classes"):
        binary_auc(np.ones(4), np.arange(4.0))
    with pytest.raises(ValueError, match="NaN"):
        binary_auc([0, 1, 0, 1], [0.1, np.nan, 0.3, 0.2])
