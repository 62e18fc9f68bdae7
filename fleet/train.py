#!/usr/bin/env python3
"""Trains Interfere's model on Apache Spark (PySpark MLlib) from the feature tables of many hosts.

    spark-submit fleet/train.py lake/ -o model.json            # on a cluster (or local[*])
    python3 fleet/train.py lake/ -o model.json --master 'local[2]'

`lake/` holds one partition per host, `host=NAME/part-00000.csv` + `table.json`, as written by
`interfere features TRACE --labels labels.csv -o lake/host=NAME/` (Sources/Features/LakePartition.swift).
The job runs the pipeline of `interfere train` (Sources/Diagnosis/Trainer.swift, FeaturePipeline.swift):

- per variant (full: sched+kvm, portable: sched, pt: Intel PT captures) the rows having its groups;
- log(1 + x) of every column whose unit is not a share or a count (the unit comes from table.json);
- standard scaling over the present values (absent ones at the mean): MLlib Imputer + StandardScaler,
  whose sample std over the imputed column is turned into Interfere's population std over the
  present values (an exact factor, sqrt((N - 1) / present));
- the demand columns (role in table.json) → MLlib PCA, 8 components, signs as scikit-learn's svd_flip;
- MLlib KMeans for each k in 8…16, k chosen by the mean Euclidean silhouette on a 1,500-row sample
  (ties to the smaller k), each cluster named by Interfere's rule (`name_cluster`, the same rule as
  Sources/Diagnosis/ClusterNamer.swift) from the per-feature medians of its windows in the
  features' own units;
- MLlib multinomial LogisticRegression (L2, C = 1: regParam = 1/(C·n), balanced class weights
  n / (classes present · count)) on the windows whose `teaches_classifier` is 1.

It writes the model file of Interfere (format 1), which `interfere model show` describes and
`interfere score -m` uses. Without `--folds` no cross-validation is run: the metrics are on the
training windows (`train_*`).
"""
import argparse
import contextlib
import json
import math
import sys
import time

import numpy as np

CLASSES = ["none", "cpu", "disk", "net", "memory"]
TABLE_FORMAT = 1


def say(message):
    print(f"fleet/train.py: {message}", file=sys.stderr, flush=True)


class Stages:
    """Wall time of each stage, logged to stderr as it ends (Spark's UI is off), and the largest at the end."""

    def __init__(self):
        self.times = []

    @contextlib.contextmanager
    def __call__(self, name):
        started = time.time()
        yield
        seconds = time.time() - started
        self.times.append((name, seconds))
        say(f"stage {name}: {seconds:.1f} s")

    def summary(self):
        total = sum(s for _, s in self.times)
        top = sorted(self.times, key=lambda t: -t[1])[:6]
        return f"{total:.1f} s in stages; largest: " + ", ".join(f"{n} {s:.1f} s" for n, s in top)


def schema_id(columns, window_ns):
    """FNV-1a 64 of the column names joined by commas and `|window`, 16 hex digits (FeatureSchema.id)."""
    h = 0xCBF29CE484222325
    for byte in (",".join(columns) + f"|{window_ns}").encode():
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


# The features `name_cluster` reads: only these are kept in the cached frame for the clusters' medians.
NAMER_FEATURES = (
    "kvm_guest_share", "kvm_hypervisor_share", "pt_guest_share", "pt_hypervisor_share", "sched_running_share",
    "sched_idle_share", "kvm_exits_per_s", "kvm_exits_ept_violation_per_s", "block_read_per_s", "block_write_per_s",
    "block_read_bytes_per_s", "block_write_bytes_per_s", "qemu_submits_per_s", "net_tx_packets_per_s",
    "net_rx_packets_per_s", "net_tx_bytes_per_s", "net_rx_bytes_per_s")


def name_cluster(centroid):
    """Sources/Diagnosis/ClusterNamer.swift, the same rule: `centroid` maps a feature to its median
    (a missing or NaN feature counts as 0). It reads only NAMER_FEATURES (a feature outside raises)."""
    def has(c):
        assert c in NAMER_FEATURES, c
        return c in centroid

    def v(c):
        assert c in NAMER_FEATURES, c
        x = centroid.get(c)
        return x if x is not None and math.isfinite(x) else 0.0

    if has("kvm_guest_share"):
        running = v("kvm_guest_share") + v("kvm_hypervisor_share")
    elif has("pt_guest_share"):
        running = v("pt_guest_share") + v("pt_hypervisor_share")
    else:
        running = v("sched_running_share")
    busy = max(running, 1 - v("sched_idle_share")) if has("sched_idle_share") else running
    exits = v("kvm_exits_per_s")
    ept = v("kvm_exits_ept_violation_per_s")
    memory = ept >= 500 and exits > 0 and ept / exits >= 0.3
    disk = (v("block_read_per_s") + v("block_write_per_s") >= 20
            or v("block_read_bytes_per_s") + v("block_write_bytes_per_s") >= 1_000_000
            or v("qemu_submits_per_s") >= 20)
    net = (v("net_tx_packets_per_s") + v("net_rx_packets_per_s") >= 100
           or v("net_tx_bytes_per_s") + v("net_rx_bytes_per_s") >= 100_000)
    cpu = busy >= 0.5 and not memory
    active = [n for n, on in (("cpu", cpu), ("memory", memory), ("disk", disk), ("net", net)) if on]
    if len(active) >= 2:
        return "mixed"
    if active:
        return active[0]
    return "idle" if busy < 0.2 else "cpu"


def silhouette(x, labels):
    """Mean Euclidean silhouette (Learning/Metrics.silhouette): a point alone in its cluster counts 0."""
    n = len(x)
    if len(set(labels.tolist())) < 2:
        return 0.0
    sq = (x * x).sum(1)
    d = np.sqrt(np.maximum(0, sq[:, None] + sq[None, :] - 2 * x @ x.T))
    clusters = np.unique(labels)
    total = 0.0
    for i in range(n):
        own = labels[i]
        same = labels == own
        same[i] = False
        if not same.any():
            continue
        a = d[i, same].mean()
        b = min(d[i, labels == c].mean() for c in clusters if c != own)
        m = max(a, b)
        total += (b - a) / m if m > 0 else 0.0
    return total / n


def adjusted_rand(pairs):
    """ARI from a contingency table given as {(a, b): count}."""
    def comb2(x):
        return x * (x - 1) / 2
    n = sum(pairs.values())
    rows, cols = {}, {}
    for (a, b), c in pairs.items():
        rows[a] = rows.get(a, 0) + c
        cols[b] = cols.get(b, 0) + c
    index = sum(comb2(c) for c in pairs.values())
    ra, cb = sum(comb2(c) for c in rows.values()), sum(comb2(c) for c in cols.values())
    expected = ra * cb / comb2(n) if n > 1 else 0
    maximum = (ra + cb) / 2
    return (index - expected) / (maximum - expected) if maximum != expected else 1.0


def matrix(array):
    array = np.asarray(array, dtype=float)
    return {"rows": int(array.shape[0]), "columns": int(array.shape[1]), "data": [float(v) for v in array.ravel()]}


def read_lake(spark, paths):
    """The hosts' names, the tables' columns (all hosts of one layout), the window and the labeled rows."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType, IntegerType, LongType, StringType, StructField, StructType

    globs = [p.rstrip("/") + "/*/table.json" for p in paths]
    tables = spark.read.json(globs, multiLine=True)
    # What is collected per host is its name only (the model lists its datasets); the layouts are
    # compared in Spark, and one host's column list is read.
    layouts = tables.groupBy("table_format", "table_schema_id", "window_ns").count().collect()
    if not layouts:
        raise SystemExit(f"fleet/train.py: no host=NAME/table.json under {', '.join(paths)}")
    formats = {d["table_format"] for d in layouts}
    if formats != {TABLE_FORMAT}:
        raise SystemExit(f"fleet/train.py: table format {sorted(formats)}, this job reads format {TABLE_FORMAT}")
    ids = {d["table_schema_id"] for d in layouts}
    windows = {d["window_ns"] for d in layouts}
    if len(ids) != 1 or len(windows) != 1:
        raise SystemExit(f"fleet/train.py: the hosts' tables differ (table schemas {sorted(ids)}, windows {sorted(windows)} ns)")
    columns = [c.asDict() for c in tables.select("columns").first()["columns"]]
    hosts = sorted(r["host"] for r in tables.select("host").collect())
    names = [c["name"] for c in columns]
    schema = StructType(
        [StructField("host", StringType()), StructField("vm", StringType()), StructField("start_ns", LongType()),
         StructField("end_ns", LongType()), StructField("schema", StringType())]
        + [StructField(n, DoubleType()) for n in names]
        + [StructField("workload", StringType()), StructField("interference", StringType()),
           StructField("culprit", StringType()), StructField("teaches_classifier", IntegerType())])
    rows = (spark.read.option("header", True).option("recursiveFileLookup", True)
            .option("pathGlobFilter", "part-*.csv").option("mode", "FAILFAST").schema(schema).csv(paths))
    labeled = rows.where(F.col("workload").isNotNull() & (F.col("workload") != ""))
    return hosts, columns, windows.pop(), labeled


def log_unit(x, linear):
    """The feature in its model unit: as is for shares and counts, else log(1 + x) with the sign of x."""
    from pyspark.sql import functions as F
    return x if linear else F.when(x >= 0, F.log1p(x)).otherwise(-F.log1p(-x))


def fit_variant(spark, name, data, columns, units, roles, required, window_ns, k_fixed, seed, c_value, storage, stage):
    """One model variant from `data` (its rows) over `columns` (present, registry order).

    Memory: one frame is cached, holding per window only what the fits read (the scaled vector,
    the PCA components, the labels and the features of NAMER_FEATURES for the clusters' medians),
    at `storage` (a disk level spills instead of growing the heap); nothing collected to the driver
    grows with the rows (a 1,500-row sample for the silhouettes, per-cluster and per-class sums)."""
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import ElementwiseProduct, Imputer, PCA, StandardScaler, VectorAssembler, VectorSlicer
    from pyspark.ml.linalg import Vectors
    from pyspark.ml.functions import vector_to_array
    from pyspark.ml.stat import Summarizer
    from pyspark.sql import functions as F

    started = time.time()
    d = len(columns)
    logged = [log_unit(F.col(c), units[c]) for c in columns]

    # Standard scaling as StandardScaler.swift: mean and population deviation of each column over
    # its present values, an absent value scaled to 0. MLlib's Imputer puts the mean in for an
    # absent value (so it adds nothing to the sum of squares) and its StandardScaler gives the
    # sample deviation over all n rows; sqrt((n - 1) / present) turns that into the deviation over
    # the present values. A column with no value in these rows: mean 0, scale 1.
    namer = [c for c in columns if c in NAMER_FEATURES]       # the features' own units, for naming the clusters
    labels = [F.col(c) for c in ("workload", "interference", "teaches_classifier")]
    lnames = [f"l{i}" for i in range(d)]
    inames = [f"i{i}" for i in range(d)]
    frame = data.select(*labels, *[F.col(c) for c in namer], *[x.alias(lnames[i]) for i, x in enumerate(logged)])
    with stage(f"{name}: present values (1 pass over the CSV)"):
        counts = frame.agg(F.count(F.lit(1)).alias("n"), *[F.count(F.col(l)).alias(l) for l in lnames]).first()
    n = counts["n"]
    empty = [l for l in lnames if counts[l] == 0]
    frame = frame.fillna(0.0, subset=empty) if empty else frame
    with stage(f"{name}: MLlib Imputer (1 pass)"):
        frame = Imputer(strategy="mean", inputCols=lnames, outputCols=inames).fit(frame).transform(frame)
    frame = VectorAssembler(inputCols=inames, outputCol="assembled").transform(frame)
    with stage(f"{name}: MLlib StandardScaler (1 pass)"):
        scaler = StandardScaler(withMean=True, withStd=True, inputCol="assembled", outputCol="ml_scaled").fit(frame)
    means = scaler.mean.toArray()
    sample_std = scaler.std.toArray()
    present = np.array([max(1, counts[l]) for l in lnames], dtype=float)
    pop_std = sample_std * np.sqrt(max(1, n - 1) / present)
    scales = np.where(pop_std > 1e-12 * np.maximum(1, np.abs(means)), pop_std, 1.0)
    factor = np.where(sample_std > 0, sample_std / scales, 1.0)
    frame = scaler.transform(frame)
    frame = ElementwiseProduct(scalingVec=Vectors.dense(factor.tolist()), inputCol="ml_scaled", outputCol="scaled").transform(frame)
    workload = [c for c in columns if roles[c] == "demand"] or list(columns)
    frame = VectorSlicer(inputCol="scaled", outputCol="demand_vec", indices=[columns.index(c) for c in workload]).transform(frame)
    frame = frame.select("workload", "interference", "teaches_classifier", *namer, "scaled", "demand_vec")

    # PCA on the demand columns (the scaled frame is not cached: PCA and its statistics read it once each).
    kc = min(8, len(workload))
    with stage(f"{name}: PCA fit (1 pass)"):
        pca = PCA(k=kc, inputCol="demand_vec", outputCol="pc_raw").fit(frame)
    pc = pca.pc.toArray()          # workload × kc, one component per column
    signs = np.array([1.0 if pc[np.argmax(np.abs(pc[:, j])), j] >= 0 else -1.0 for j in range(kc)])
    pc = pc * signs
    with stage(f"{name}: PCA statistics (1 pass)"):
        summary = frame.select(Summarizer.metrics("mean", "variance").summary(F.col("demand_vec")).alias("s")).first()["s"]
    pca_means = summary["mean"].toArray()
    total_variance = float(np.sum(summary["variance"].toArray()))
    ratio = pca.explainedVariance.toArray()
    explained = ratio * total_variance

    frame = pca.transform(frame)
    frame = ElementwiseProduct(scalingVec=Vectors.dense(signs.tolist()), inputCol="pc_raw", outputCol="components").transform(frame)
    frame = frame.select("workload", "interference", "teaches_classifier", *namer, "scaled", "components").persist(storage)
    with stage(f"{name}: cache the fitted frame (1 pass)"):
        frame.count()

    # k by silhouette on a sample, as KSelection. MLlib's k-means stops when every centre moves
    # less than 1e-4 (stricter than KMeans.swift's 1e-4 × the mean variance for the squared
    # shifts: with a single k-means|| start, the looser rule cost category parity).
    if k_fixed:
        candidates = [k_fixed]
    else:
        candidates = [k for k in range(2, min(16, max(2, n - 1)) + 1) if k >= min(8, n - 1)]
    fraction = min(1.0, 1.5 * 1500 / max(1, n))
    with stage(f"{name}: silhouette sample"):
        sample = frame.sample(fraction=fraction, seed=seed).limit(1500).select("components").collect()
    xs = np.array([r["components"].toArray() for r in sample])
    # k-means reads the components alone, each iteration: a cache of them only (8 doubles a
    # window) stays in memory where the wide frame would be read back from disk every pass.
    points = frame.select("components").persist(storage)
    with stage(f"{name}: cache the components (1 pass)"):
        points.count()
    best = None
    scores = {}
    iterations = {}
    for k in candidates:
        with stage(f"{name}: k-means k={k}"):
            model = KMeans(k=k, seed=seed, maxIter=300, tol=1e-4, featuresCol="components", predictionCol="cluster").fit(points)
        iterations[k] = model.summary.numIter
        centers = np.array(model.clusterCenters())
        assigned = np.argmin(((xs[:, None, :] - centers[None, :, :]) ** 2).sum(2), axis=1)
        with stage(f"{name}: silhouette k={k}"):
            scores[k] = silhouette(xs, assigned)
        if best is None or scores[k] > best[1] + 1e-9:
            best = (k, scores[k], model)
    k, score, kmeans = best
    points.unpersist()
    say(f"variant {name}: {n} rows, k = {k} (silhouette {score:.3f}; "
        + ", ".join(f"{c}: {s:.3f} in {iterations[c]} iterations" for c, s in scores.items()) + ")")
    clustered = kmeans.transform(frame)
    centers = np.array(kmeans.clusterCenters())

    # Names from the per-feature medians of each cluster's windows, in the features' own units.
    with stage(f"{name}: cluster medians and contingency"):
        medians = clustered.groupBy("cluster").agg(
            *[F.percentile_approx(F.col(c), 0.5, 10000).alias(c) for c in namer]).collect()
        contingency = {(r["cluster"], r["workload"]): r["count"] for r in clustered.groupBy("cluster", "workload").count().collect()}
    by_cluster = {r["cluster"]: {c: r[c] for c in namer if r[c] is not None} for r in medians}
    names = [name_cluster(by_cluster.get(i, {})) for i in range(k)]
    ari = adjusted_rand(contingency)

    # The classifier: balanced weights over the windows it learns from.
    index = {c: i for i, c in enumerate(CLASSES)}
    label = F.coalesce(F.create_map(*[x for c in CLASSES for x in (F.lit(c), F.lit(float(index[c])))])[F.col("interference")], F.lit(0.0))
    teach = frame.where(F.col("teaches_classifier") == 1).withColumn("label", label)
    with stage(f"{name}: class counts"):
        per_class = {r["label"]: r["count"] for r in teach.groupBy("label").count().collect()}
    n_teach = sum(per_class.values())
    weights = {y: n_teach / (len(per_class) * count) for y, count in per_class.items()}
    weight = F.create_map(*[x for y, w in weights.items() for x in (F.lit(y), F.lit(w))])[F.col("label")]
    teach = teach.withColumn("weight", weight)
    with stage(f"{name}: logistic regression"):
        lr = LogisticRegression(family="multinomial", featuresCol="scaled", labelCol="label", weightCol="weight",
                                regParam=1.0 / (c_value * n_teach), elasticNetParam=0.0, standardization=False,
                                fitIntercept=True, maxIter=300, tol=1e-6).fit(teach)
    coefficients = lr.coefficientMatrix.toArray()      # classes × features
    intercepts = lr.interceptVector.toArray()
    w_out = np.zeros((d, len(CLASSES)))
    b_out = np.full(len(CLASSES), np.nan)
    for j in range(min(len(CLASSES), coefficients.shape[0])):
        w_out[:, j] = coefficients[j]
        b_out[j] = intercepts[j]
    # A class with no window: never predicted (zero weights, an intercept far below the others').
    finite = b_out[np.isfinite(b_out) & np.array([index_present(j, per_class) for j in range(len(CLASSES))])]
    floor = (finite.min() if len(finite) else 0.0) - 30.0
    for j in range(len(CLASSES)):
        if not index_present(j, per_class) or not math.isfinite(b_out[j]):
            w_out[:, j] = 0.0
            b_out[j] = floor

    # Window metrics on the training rows (P(interfered) = 1 − P(none) ≥ 0.5).
    with stage(f"{name}: training metrics"):
        scored = lr.transform(frame.withColumn("label", label))
        p_none = vector_to_array(F.col("probability"))[0]
        m = scored.select(((1 - p_none) >= 0.5).alias("p"), (F.col("interference") != "none").alias("a")).agg(
            F.sum((F.col("p") & F.col("a")).cast("int")).alias("tp"), F.sum((F.col("p") & ~F.col("a")).cast("int")).alias("fp"),
            F.sum((~F.col("p") & F.col("a")).cast("int")).alias("fn")).first()
    tp, fp, fn = (m["tp"] or 0), (m["fp"] or 0), (m["fn"] or 0)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    frame.unpersist()
    say(f"variant {name}: classifier {lr.summary.totalIterations} iterations; {time.time() - started:.1f} s")
    return {
        "name": name, "schemaID": schema_id(columns, window_ns), "featureNames": list(columns), "windowNs": int(window_ns),
        "requiredPrefixes": [g + "_" for g in required],
        "scaler": {"means": [float(v) for v in means], "scales": [float(v) for v in scales]},
        "pca": {"componentCount": kc, "means": [float(v) for v in pca_means], "components": matrix(pc.T),
                "explainedVariance": [float(v) for v in explained], "explainedVarianceRatio": [float(v) for v in ratio]},
        "centroids": matrix(centers), "clusterNames": names, "clusterFeatures": workload,
        "classifier": {"balanced": True, "c": c_value, "classCount": len(CLASSES), "intercepts": [float(v) for v in b_out],
                       "iterations": int(lr.summary.totalIterations), "maxIterations": 300, "tolerance": 1e-6,
                       "weights": matrix(w_out)},
        "classes": CLASSES,
        "metrics": {"train_window_precision": precision, "train_window_recall": recall, "train_window_f1": f1,
                    "train_category_ari": ari, "silhouette": score, "rows": float(n), "folds": 0.0},
    }


def index_present(j, per_class):
    return float(j) in per_class


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train Interfere's model on Spark from a lake of host=NAME/ feature tables.")
    parser.add_argument("lake", nargs="+", help="lake folders holding host=NAME/part-00000.csv and table.json")
    parser.add_argument("-o", "--output", required=True, help="the model file to write (Interfere's format 1)")
    parser.add_argument("--k", default="auto", help="workload clusters: auto (8…16 by silhouette) or a number")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength of the classifier")
    parser.add_argument("--master", help="Spark master when run with python3 (default: spark-submit's, else local[*])")
    parser.add_argument("--driver-memory", default="1g", help="fixed driver memory (local mode: the executor too)")
    parser.add_argument("--shuffle-partitions", type=int, default=8)
    parser.add_argument("--partition-bytes", default="128m",
                        help="largest input partition (spark.sql.files.maxPartitionBytes): bounds what one task holds")
    parser.add_argument("--storage", default="MEMORY_AND_DISK", choices=["MEMORY_AND_DISK", "DISK_ONLY", "MEMORY_ONLY"],
                        help="storage level of the cached frame of each variant")
    args = parser.parse_args(argv)
    k_fixed = None if args.k == "auto" else int(args.k)

    from pyspark import StorageLevel
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    builder = SparkSession.builder.appName("interfere-train") \
        .config("spark.driver.memory", args.driver_memory) \
        .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions)) \
        .config("spark.sql.files.maxPartitionBytes", args.partition_bytes) \
        .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    storage = getattr(StorageLevel, args.storage)
    stage = Stages()
    started = time.time()
    with stage("read the tables' descriptions"):
        hosts, registry, window_ns, labeled = read_lake(spark, args.lake)
    names = [c["name"] for c in registry]
    group = {c["name"]: c["group"] for c in registry}
    units = {c["name"]: bool(c["linear"]) for c in registry}
    roles = {c["name"]: c["role"] for c in registry}
    with stage("count the columns present (1 pass over the CSV)"):
        counts = labeled.agg(F.count(F.lit(1)).alias("__n"), *[F.count(F.col(c)).alias(c) for c in names]).first()
    if counts["__n"] < 10:
        raise SystemExit(f"fleet/train.py: cannot train: only {counts['__n']} labeled windows")
    present = [c for c in names if counts[c] > 0]
    say(f"{len(hosts)} hosts, {counts['__n']} labeled windows, {len(present)} columns present")
    with stage("count the classes (1 pass)"):
        per_class = {r["interference"]: r["count"] for r in labeled.groupBy("interference").count().collect()}

    variants = []
    first = {g: next((c for c in names if group[c] == g), None) for g in ("sched", "pt")}
    ctf = labeled.where(F.col(first["sched"]).isNotNull())
    has_kvm = any(group[c] == "kvm" for c in present)
    has_ctf = counts[first["sched"]] > 0
    if has_kvm:
        cols = [c for c in present if group[c] != "pt"]
        variants.append(fit_variant(spark, "full", ctf, cols, units, roles, ["sched", "kvm"], window_ns, k_fixed, args.seed, args.c, storage, stage))
    if has_ctf:
        cols = [c for c in present if group[c] not in ("kvm", "pt")]
        variants.append(fit_variant(spark, "portable", ctf, cols, units, roles, ["sched"], window_ns, k_fixed, args.seed, args.c, storage, stage))
    pt_rows = counts[first["pt"]]
    if pt_rows >= 10:
        # PT shows VM entries, exits and host processes, not disks or links: CPU against the rest.
        pt = labeled.where(F.col(first["pt"]).isNotNull()).withColumn(
            "interference", F.when(F.col("interference") == "cpu", "cpu").otherwise("none"))
        cols = [c for c in present if group[c] == "pt"]
        variants.append(fit_variant(spark, "pt", pt, cols, units, roles, ["pt"], window_ns, k_fixed, args.seed, args.c, storage, stage))
    model = {"format": 1, "variants": variants,
             "training": {"datasets": hosts, "rowsPerClass": per_class,
                          "windowNs": int(window_ns), "seed": args.seed}}
    tmp = args.output + ".tmp"
    with open(tmp, "w") as f:
        json.dump(model, f, indent=2, sort_keys=True)
        f.write("\n")
    import os
    os.replace(tmp, args.output)
    say(f"wrote {args.output}: {', '.join(v['name'] for v in variants)} in {time.time() - started:.1f} s ({stage.summary()})")
    spark.stop()


if __name__ == "__main__":
    main()
