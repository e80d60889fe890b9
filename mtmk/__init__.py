"""mtmk: CLIP as multi-task multi-kernel learning, with scikit-learn estimators."""

from .kernels import KernelDictionary
from .multitask import MTMKClassifier

__all__ = ["KernelDictionary", "MTMKClassifier"]
__version__ = "0.1.0"
