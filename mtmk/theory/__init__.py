"""Theory: simulations that check MTMK's statistical rates.

- the sparse multi-task kernel model: :func:`make_sparse_kernel_model`,
  :class:`SparseKernelModel` (generator, true logits, Bayes risk) and
  :func:`excess_risks`;
- resumable, parallel simulation sweeps: :func:`simulate`, :func:`load_results`
  (joblib; the same sweep runs on a ``dask.distributed`` cluster);
- slopes with bootstrap confidence intervals: :func:`fit_slope`,
  :func:`fit_loglog_slope`;
- Monte Carlo empirical Rademacher complexity: :func:`empirical_rademacher`,
  :func:`rademacher_curve`;
- fitted against predicted rates and their figures: :func:`summarize`,
  :func:`plot_all` (needs matplotlib, ``pip install mtmk[plots]``);
- the command line: ``python -m mtmk simulate --preset quick|fair|paper --out DIR``.

The MTMK rate ``s (delta_{n,p}^2 + log M / (n T))`` is a reconstruction: the
theorem text of the MTMK paper was not available.
"""

from ._data import SparseKernelModel, excess_risks, make_sparse_kernel_model, predicted_n_slope
from ._plots import (
                    plot_all,
                    plot_error_vs_log_m,
                    plot_error_vs_n,
                    plot_rademacher,
                    plot_support_vs_n,
)
from ._rademacher import empirical_rademacher, rademacher_curve
from ._rates import SlopeFit, fit_loglog_slope, fit_slope
from ._store import load_results
from ._summary import summarize
from ._sweep import simulate

__all__ = ["SparseKernelModel", "make_sparse_kernel_model", "excess_risks",
           "predicted_n_slope", "simulate", "load_results", "fit_slope",
           "fit_loglog_slope", "SlopeFit", "empirical_rademacher", "rademacher_curve",
           "summarize", "plot_all", "plot_error_vs_n", "plot_error_vs_log_m",
           "plot_support_vs_n", "plot_rademacher"]
