"""Parity of the Swift Learning estimators with scikit-learn on the same data (issue #5).

Runs `learning-tool` (built by `swift build -c release`; path from $LEARNING_TOOL) and
scikit-learn on data generated here with a fixed seed.
"""
import json
import os
import subprocess
import tempfile

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression

TOOL = os.environ.get("LEARNING_TOOL", os.path.join(os.path.dirname(__file__), "../../.build/release/learning-tool"))


def run(*args):
    out = subprocess.run([TOOL, *map(str, args)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def blobs(rng, n, d, k, spread=1.0):
    centers = rng.normal(0, 6, size=(k, d))
    labels = rng.integers(0, k, size=n)
    return centers[labels] + rng.normal(0, spread, size=(n, d)), labels


def write(tmp, name, array):
    path = os.path.join(tmp, name)
    np.ascontiguousarray(array, dtype="<f8").tofile(path)
    return path


def test_kmeans_same_initial_centers_same_inertia():
    rng = np.random.default_rng(7)
    x, _ = blobs(rng, 5000, 12, 6, spread=2.5)
    init = x[rng.choice(len(x), 6, replace=False)]
    with tempfile.TemporaryDirectory() as tmp:
        swift = run("kmeans", write(tmp, "x", x), 5000, 12, write(tmp, "c", init), 6, 300)
    ref = KMeans(n_clusters=6, init=init, n_init=1, max_iter=300, tol=0, algorithm="lloyd").fit(x)
    assert abs(swift["inertia"] - ref.inertia_) / ref.inertia_ < 0.01


def test_pca_explained_variance():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, 9)) @ rng.normal(size=(9, 9))
    with tempfile.TemporaryDirectory() as tmp:
        swift = run("pca", write(tmp, "x", x), 2000, 9)
    ref = PCA().fit(x)
    got = np.array(swift["explained_variance"])
    assert np.all(np.abs(got - ref.explained_variance_) / ref.explained_variance_ < 1e-6)


def test_logistic_regression_accuracy():
    rng = np.random.default_rng(11)
    x, y = blobs(rng, 4000, 10, 5, spread=4.0)
    xt, yt = x[3000:], y[3000:]
    x, y = x[:3000], y[:3000]
    with tempfile.TemporaryDirectory() as tmp:
        swift = run("logreg", write(tmp, "x", x), 3000, 10, write(tmp, "y", y.astype(float)), 5, 1.0, 500,
                    write(tmp, "xt", xt), 1000)
    ref = LogisticRegression(C=1.0, max_iter=500).fit(x, y)
    ours = np.mean(np.array(swift["predictions"]) == yt)
    theirs = ref.score(xt, yt)
    assert abs(ours - theirs) <= 0.01, (ours, theirs)
