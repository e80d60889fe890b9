"""Theory: simulations that check MTMK's statistical rates.

- :mod:`~mtmk.theory.data`: the sparse multi-task kernel model (generator,
  true logits, Bayes risk, exact excess risks);
- :mod:`~mtmk.theory.sweep`: resumable, parallel simulation sweeps
  (joblib; the same sweep runs on a ``dask.distributed`` cluster);
- :mod:`~mtmk.theory.rates`: slopes with bootstrap confidence intervals;
- :mod:`~mtmk.theory.rademacher`: Monte Carlo empirical Rademacher complexity;
- :mod:`~mtmk.theory.summary`, :mod:`~mtmk.theory.plots`: fitted vs predicted
  rates, figures;
- :mod:`~mtmk.theory.cli`: ``simulate --preset quick|fair|paper --out DIR``.

The MTMK rate ``s (delta_{n,p}^2 + log M / (n T))`` is a reconstruction: the
theorem text of the MTMK paper was not available.
"""

from .data import SparseKernelModel, excess_risks, make_sparse_kernel_model, predicted_n_slope
from .rademacher import empirical_rademacher, rademacher_curve
from .rates import SlopeFit, fit_loglog_slope, fit_slope
from .summary import summarize
from .sweep import load_results, simulate

__all__ = ["SparseKernelModel", "make_sparse_kernel_model", "excess_risks",
           "predicted_n_slope", "simulate", "load_results", "fit_slope",
           "fit_loglog_slope", "SlopeFit", "empirical_rademacher", "rademacher_curve",
           "summarize"]
