"""scikit-learn's estimator checks and meta-estimator use of the MKL family."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from mtmk.kernels import KernelDictionary
from mtmk.mkl import (AlignfMKLClassifier, AverageMKLClassifier, EasyMKLClassifier,
                      LpMKLClassifier, SimpleMKLClassifier)

ESTIMATORS = [AverageMKLClassifier(), EasyMKLClassifier(), AlignfMKLClassifier(),
              SimpleMKLClassifier(), LpMKLClassifier(), LpMKLClassifier(p=1.0)]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
