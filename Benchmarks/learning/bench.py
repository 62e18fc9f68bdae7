#!/usr/bin/env python3
"""Learning speed against scikit-learn on the same data, in one run.

k-means: 1,000,000 x 40, k = 8, the same initial centres, a fixed number of Lloyd iterations
(tol 0). Logistic regression: 200,000 x 40, 5 classes, L-BFGS, the same iteration cap.
Prints the seconds of each side (fit only, measured inside each process) and the ratio
Swift / scikit-learn. usage: python3 Benchmarks/learning/bench.py [--tool PATH]
"""
import argparse, json, os, subprocess, tempfile, time, warnings
import numpy as np
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression

ap = argparse.ArgumentParser()
ap.add_argument("--tool", default=os.path.join(os.path.dirname(__file__), "../../.build/release/learning-tool"))
ap.add_argument("--iterations", type=int, default=20)
a = ap.parse_args()
# Both sides stop at the same iteration cap on purpose: scikit-learn's warning about it is noise here.
warnings.filterwarnings("ignore", message=".*(lbfgs failed|max_iter).*")

rng = np.random.default_rng(1)
with tempfile.TemporaryDirectory() as tmp:
    n, d, k = 1_000_000, 40, 8
    # Unstructured data: Lloyd keeps moving for all the iterations on both sides (well separated
    # blobs converge exactly in a few iterations and would time almost nothing).
    x = rng.normal(size=(n, d))
    init = x[rng.choice(n, k, replace=False)]
    x.astype("<f8").tofile(f"{tmp}/x"); init.astype("<f8").tofile(f"{tmp}/c")
    swift = json.loads(subprocess.check_output([a.tool, "kmeans", f"{tmp}/x", str(n), str(d), f"{tmp}/c", str(k), str(a.iterations)]))
    t0 = time.perf_counter()
    ref = KMeans(n_clusters=k, init=init, n_init=1, max_iter=a.iterations, tol=0, algorithm="lloyd").fit(x)
    sk = time.perf_counter() - t0
    print(f"k-means 1M x 40, k 8, {a.iterations} iterations: swift {swift['seconds']:.3f} s ({swift['iterations']} it), "
          f"scikit-learn {sk:.3f} s ({ref.n_iter_} it), ratio {swift['seconds'] / sk:.2f}x, "
          f"inertia {swift['inertia']:.6g} vs {ref.inertia_:.6g}")

    n, classes = 200_000, 5
    centers = rng.normal(0, 5, size=(classes, d))
    x = centers[rng.integers(0, classes, n)] @ rng.normal(size=(d, d)) * 0.05 + rng.normal(0, 1, size=(n, d))
    y = np.argmax(x[:, :classes], axis=1)
    x.astype("<f8").tofile(f"{tmp}/lx"); y.astype("<f8").tofile(f"{tmp}/ly")
    swift = json.loads(subprocess.check_output([a.tool, "logreg", f"{tmp}/lx", str(n), str(d), f"{tmp}/ly", str(classes), "1.0", "100"]))
    t0 = time.perf_counter()
    ref = LogisticRegression(C=1.0, max_iter=100, tol=1e-8).fit(x, y)
    sk = time.perf_counter() - t0
    print(f"logistic regression 200k x 40, 5 classes, <= 100 L-BFGS iterations: swift {swift['seconds']:.3f} s "
          f"({swift['iterations']} it), scikit-learn {sk:.3f} s ({int(ref.n_iter_[0])} it), ratio {swift['seconds'] / sk:.2f}x")
