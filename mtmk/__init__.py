"""mtmk: CLIP as multi-task multi-kernel learning, with scikit-learn estimators."""

from .kernels import KernelDictionary
from .mkl import (
    AlignfMKLClassifier,
    AverageMKLClassifier,
    EasyMKLClassifier,
    LpMKLClassifier,
    SimpleMKLClassifier,
)
from .multitask import MTMKClassifier

__all__ = [
    "AlignfMKLClassifier",
    "AverageMKLClassifier",
    "EasyMKLClassifier",
    "KernelDictionary",
    "LpMKLClassifier",
    "MTMKClassifier",
    "SimpleMKLClassifier",
]
__version__ = "0.1.0"
