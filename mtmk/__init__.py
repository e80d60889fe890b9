"""mtmk: CLIP as multi-task multi-kernel learning, with scikit-learn estimators."""

from ._kernels import KernelDictionary
from ._mkl import (
    AlignfMKLClassifier,
    AverageMKLClassifier,
    EasyMKLClassifier,
    LpMKLClassifier,
    SimpleMKLClassifier,
)
from ._multitask import MTMKClassifier, MTMKRegressor
from ._path import MTMKClassifierCV, MTMKRegressorCV, lam_group_grid, mtmk_path

__all__ = [
    "AlignfMKLClassifier",
    "AverageMKLClassifier",
    "EasyMKLClassifier",
    "KernelDictionary",
    "LpMKLClassifier",
    "MTMKClassifier",
    "MTMKClassifierCV",
    "MTMKRegressor",
    "MTMKRegressorCV",
    "SimpleMKLClassifier",
    "lam_group_grid",
    "mtmk_path",
]
__version__ = "0.1.0"
