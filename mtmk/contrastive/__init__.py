"""The CLIP family in kernel form.

Two-view estimators in scikit-learn's cross-decomposition style
(``fit(X, Y)``, ``transform(X, Y=None)``):

* :class:`ContrastiveAligner` -- kernel encoders trained with CLIP's InfoNCE,
  positive-pair regularised CLIP (Chen et al.), InfoLOOB or CLOOB (Fuerst et
  al.) by minibatch Adam on analytic gradients;
* :class:`MMCL` -- closed-form linear and kernel multimodal contrastive
  learning (Nakada et al.), with unpaired data and the SVD iteration for CLIP's
  loss.

Plus objectives with gradients, zero-shot classification and retrieval,
diagnostics and synthetic data models.
"""

from ._aligner import ContrastiveAligner
from ._data import (
                   gaussian_critic,
                   make_cooccurrence_pairs,
                   make_correlated_gaussians,
                   make_latent_pairs,
                   make_nakada_linear,
)
from ._diagnostics import (
                   ajne_prentice,
                   effective_eigenvalues,
                   infoloob_mi,
                   infonce_mi,
                   margin,
                   principal_angles,
                   saturation,
                   sin_theta_distance,
                   uniformity,
)
from ._encoders import NystroemFeatures, RandomFourierFeatures, median_gamma
from ._mmcl import MMCL, contrastive_cross_covariance, contrastive_weights
from ._objectives import (
                   clip_regularized_loss,
                   cloob_loss,
                   hopfield_retrieval,
                   info_loob_loss,
                   info_nce_loss,
                   normalize_rows,
)
from ._zeroshot import class_prototypes, recall_at_k, zero_shot_classify, zero_shot_predict

__all__ = [
    "ContrastiveAligner", "MMCL",
    "NystroemFeatures", "RandomFourierFeatures", "median_gamma",
    "info_nce_loss", "clip_regularized_loss", "info_loob_loss", "cloob_loss",
    "hopfield_retrieval", "normalize_rows",
    "contrastive_cross_covariance", "contrastive_weights",
    "class_prototypes", "zero_shot_predict", "zero_shot_classify", "recall_at_k",
    "saturation", "infonce_mi", "infoloob_mi", "effective_eigenvalues", "uniformity",
    "ajne_prentice", "margin", "principal_angles", "sin_theta_distance",
    "make_latent_pairs", "make_nakada_linear", "make_correlated_gaussians",
    "gaussian_critic", "make_cooccurrence_pairs",
]
