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
import json
import math
import sys
import time

import numpy as np

CLASSES = ["none", "cpu", "disk", "net", "memory"]
TABLE_FORMAT = 1


def say(message):
    print(f"fleet/train.py: {message}", file=sys.stderr, flush=True)


def schema_id(columns, window_ns):
    """FNV-1a 64 of the column names joined by commas and `|window`, 16 hex digits (FeatureSchema.id)."""
    h = 0xCBF29CE484222325
    for byte in (",".join(columns) + f"|{window_ns}").encode():
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def name_cluster(centroid):
    """Sources/Diagnosis/ClusterNamer.swift, the same rule: `centroid` maps a feature to its median
    (a missing or NaN feature counts as 0)."""
    def has(c):
        return c in centroid

    def v(c):
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
    """The tables' descriptions (one per host, all of one layout) and the labeled rows."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType, IntegerType, LongType, StringType, StructField, StructType

    globs = [p.rstrip("/") + "/*/table.json" for p in paths]
    descriptions = spark.read.json(globs, multiLine=True).collect()
    if not descriptions:
        raise SystemExit(f"fleet/train.py: no host=NAME/table.json under {', '.join(paths)}")
    formats = {d["table_format"] for d in descriptions}
    if formats != {TABLE_FORMAT}:
        raise SystemExit(f"fleet/train.py: table format {sorted(formats)}, this job reads format {TABLE_FORMAT}")
    ids = {d["table_schema_id"] for d in descriptions}
    windows = {d["window_ns"] for d in descriptions}
    if len(ids) != 1 or len(windows) != 1:
        raise SystemExit(f"fleet/train.py: the hosts' tables differ (table schemas {sorted(ids)}, windows {sorted(windows)} ns)")
    columns = [c.asDict() for c in descriptions[0]["columns"]]
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
    return descriptions, columns, windows.pop(), labeled


def fit_variant(spark, name, data, columns, units, roles, required, window_ns, k_fixed, seed, c_value):
    """One model variant from `data` (its rows) over `columns` (present, registry order)."""
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import ElementwiseProduct, Imputer, PCA, StandardScaler, VectorAssembler, VectorSlicer
    from pyspark.ml.linalg import Vectors
    from pyspark.ml.functions import vector_to_array
    from pyspark.ml.stat import Summarizer
    from pyspark.sql import functions as F

    started = time.time()
    logged = [f"l_{i}" for i in range(len(columns))]
    select = [F.col(c) for c in ("host", "vm", "start_ns", "workload", "interference", "teaches_classifier")]
    select += [F.col(c) for c in columns]      # the features' own units, for naming the clusters
    for i, c in enumerate(columns):
        x = F.col(c)
        select.append((x if units[c] else F.when(x >= 0, F.log1p(x)).otherwise(-F.log1p(-x))).alias(logged[i]))
    frame = data.select(*select)
    counts = frame.agg(F.count(F.lit(1)).alias("n"), *[F.count(F.col(l)).alias(l) for l in logged]).first()
    n = counts["n"]
    # A column with no value in these rows: mean 0, scale 1 (StandardScaler's rule for it).
    empty = [l for l in logged if counts[l] == 0]
    frame = frame.fillna(0.0, subset=empty) if empty else frame
    imputed = [f"i_{i}" for i in range(len(columns))]
    frame = Imputer(strategy="mean", inputCols=logged, outputCols=imputed).fit(frame).transform(frame)
    frame = VectorAssembler(inputCols=imputed, outputCol="assembled").transform(frame)
    scaler = StandardScaler(withMean=True, withStd=True, inputCol="assembled", outputCol="ml_scaled").fit(frame)
    means = scaler.mean.toArray()
    sample_std = scaler.std.toArray()
    present = np.array([max(1, counts[l]) for l in logged], dtype=float)
    pop_std = sample_std * np.sqrt(max(1, n - 1) / present)   # over the present values only
    scales = np.where(pop_std > 1e-12 * np.maximum(1, np.abs(means)), pop_std, 1.0)
    factor = np.where(sample_std > 0, sample_std / scales, 1.0)
    frame = scaler.transform(frame)
    frame = ElementwiseProduct(scalingVec=Vectors.dense(factor.tolist()), inputCol="ml_scaled", outputCol="scaled").transform(frame)

    workload = [c for c in columns if roles[c] == "demand"] or list(columns)
    frame = VectorSlicer(inputCol="scaled", outputCol="demand_vec", indices=[columns.index(c) for c in workload]).transform(frame)
    keep = ["host", "vm", "start_ns", "workload", "interference", "teaches_classifier", "scaled", "demand_vec"] + list(columns)
    frame = frame.select(*keep).persist()
    kc = min(8, len(workload))
    pca = PCA(k=kc, inputCol="demand_vec", outputCol="pc_raw").fit(frame)
    pc = pca.pc.toArray()          # workload × kc, one component per column
    signs = np.array([1.0 if pc[np.argmax(np.abs(pc[:, j])), j] >= 0 else -1.0 for j in range(kc)])
    pc = pc * signs
    scaled_frame = frame
    frame = pca.transform(frame)
    frame = ElementwiseProduct(scalingVec=Vectors.dense(signs.tolist()), inputCol="pc_raw", outputCol="components").transform(frame)
    keep = ["host", "vm", "start_ns", "workload", "interference", "teaches_classifier", "scaled", "components"] + list(columns)
    frame = frame.select(*keep).persist()
    workload_stats = pca_stats(spark, frame, workload, columns)
    scaled_frame.unpersist()
    pca_means = workload_stats["mean"]
    total_variance = float(np.sum(workload_stats["variance"]))
    ratio = pca.explainedVariance.toArray()
    explained = ratio * total_variance

    # k by silhouette on a sample, as KSelection.
    if k_fixed:
        candidates = [k_fixed]
    else:
        candidates = [k for k in range(2, min(16, max(2, n - 1)) + 1) if k >= min(8, n - 1)]
    fraction = min(1.0, 1.5 * 1500 / max(1, n))
    sample = frame.sample(fraction=fraction, seed=seed).limit(1500).select("components").collect()
    xs = np.array([r["components"].toArray() for r in sample])
    best = None
    scores = {}
    for k in candidates:
        model = KMeans(k=k, seed=seed, maxIter=300, tol=1e-4, featuresCol="components", predictionCol="cluster").fit(frame)
        centers = np.array(model.clusterCenters())
        labels = np.argmin(((xs[:, None, :] - centers[None, :, :]) ** 2).sum(2), axis=1)
        scores[k] = silhouette(xs, labels)
        if best is None or scores[k] > best[1] + 1e-9:
            best = (k, scores[k], model)
    k, score, kmeans = best
    say(f"variant {name}: {n} rows, k = {k} (silhouette {score:.3f}; {', '.join(f'{c}: {s:.3f}' for c, s in scores.items())})")
    clustered = kmeans.transform(frame)
    centers = np.array(kmeans.clusterCenters())

    # Names from the per-feature medians of each cluster's windows, in the features' own units.
    medians = clustered.groupBy("cluster").agg(
        *[F.percentile_approx(F.col(c), 0.5, 10000).alias(c) for c in columns]).collect()
    by_cluster = {r["cluster"]: {c: r[c] for c in columns if r[c] is not None} for r in medians}
    names = [name_cluster(by_cluster.get(i, {})) for i in range(k)]
    contingency = {(r["cluster"], r["workload"]): r["count"] for r in clustered.groupBy("cluster", "workload").count().collect()}
    ari = adjusted_rand(contingency)

    # The classifier: balanced weights over the windows it learns from.
    index = {c: i for i, c in enumerate(CLASSES)}
    label = F.coalesce(F.create_map(*[x for c in CLASSES for x in (F.lit(c), F.lit(float(index[c])))])[F.col("interference")], F.lit(0.0))
    teach = clustered.where(F.col("teaches_classifier") == 1).withColumn("label", label)
    per_class = {r["label"]: r["count"] for r in teach.groupBy("label").count().collect()}
    n_teach = sum(per_class.values())
    weights = {y: n_teach / (len(per_class) * count) for y, count in per_class.items()}
    weight = F.create_map(*[x for y, w in weights.items() for x in (F.lit(y), F.lit(w))])[F.col("label")]
    teach = teach.withColumn("weight", weight)
    lr = LogisticRegression(family="multinomial", featuresCol="scaled", labelCol="label", weightCol="weight",
                            regParam=1.0 / (c_value * n_teach), elasticNetParam=0.0, standardization=False,
                            fitIntercept=True, maxIter=300, tol=1e-6).fit(teach)
    coefficients = lr.coefficientMatrix.toArray()      # classes × features
    intercepts = lr.interceptVector.toArray()
    d = len(columns)
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
    scored = lr.transform(clustered.withColumn("label", label))
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


def pca_stats(spark, frame, workload, columns):
    """Mean and sample variance of the scaled workload columns (the PCA's input)."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F
    arr = vector_to_array(F.col("scaled"))
    at = [columns.index(c) for c in workload]
    row = frame.agg(*[F.avg(arr[i]).alias(f"m{i}") for i in at], *[F.var_samp(arr[i]).alias(f"v{i}") for i in at]).first()
    return {"mean": np.array([row[f"m{i}"] for i in at], dtype=float),
            "variance": np.array([row[f"v{i}"] or 0.0 for i in at], dtype=float)}


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
    args = parser.parse_args(argv)
    k_fixed = None if args.k == "auto" else int(args.k)

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    builder = SparkSession.builder.appName("interfere-train") \
        .config("spark.driver.memory", args.driver_memory) \
        .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions)) \
        .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    started = time.time()
    descriptions, registry, window_ns, labeled = read_lake(spark, args.lake)
    labeled = labeled.persist()
    names = [c["name"] for c in registry]
    group = {c["name"]: c["group"] for c in registry}
    units = {c["name"]: bool(c["linear"]) for c in registry}
    roles = {c["name"]: c["role"] for c in registry}
    counts = labeled.agg(F.count(F.lit(1)).alias("__n"), *[F.count(F.col(c)).alias(c) for c in names]).first()
    if counts["__n"] < 10:
        raise SystemExit(f"fleet/train.py: cannot train: only {counts['__n']} labeled windows")
    present = [c for c in names if counts[c] > 0]
    say(f"{len(descriptions)} hosts, {counts['__n']} labeled windows, {len(present)} columns present")
    per_class = {r["interference"]: r["count"] for r in labeled.groupBy("interference").count().collect()}

    variants = []
    first = {g: next((c for c in names if group[c] == g), None) for g in ("sched", "pt")}
    ctf = labeled.where(F.col(first["sched"]).isNotNull())
    has_kvm = any(group[c] == "kvm" for c in present)
    has_ctf = counts[first["sched"]] > 0
    if has_kvm:
        cols = [c for c in present if group[c] != "pt"]
        variants.append(fit_variant(spark, "full", ctf, cols, units, roles, ["sched", "kvm"], window_ns, k_fixed, args.seed, args.c))
    if has_ctf:
        cols = [c for c in present if group[c] not in ("kvm", "pt")]
        variants.append(fit_variant(spark, "portable", ctf, cols, units, roles, ["sched"], window_ns, k_fixed, args.seed, args.c))
    pt_rows = counts[first["pt"]]
    if pt_rows >= 10:
        # PT shows VM entries, exits and host processes, not disks or links: CPU against the rest.
        pt = labeled.where(F.col(first["pt"]).isNotNull()).withColumn(
            "interference", F.when(F.col("interference") == "cpu", "cpu").otherwise("none"))
        cols = [c for c in present if group[c] == "pt"]
        variants.append(fit_variant(spark, "pt", pt, cols, units, roles, ["pt"], window_ns, k_fixed, args.seed, args.c))
    model = {"format": 1, "variants": variants,
             "training": {"datasets": sorted(d["host"] for d in descriptions), "rowsPerClass": per_class,
                          "windowNs": int(window_ns), "seed": args.seed}}
    tmp = args.output + ".tmp"
    with open(tmp, "w") as f:
        json.dump(model, f, indent=2, sort_keys=True)
        f.write("\n")
    import os
    os.replace(tmp, args.output)
    say(f"wrote {args.output}: {', '.join(v['name'] for v in variants)} in {time.time() - started:.1f} s")
    spark.stop()


if __name__ == "__main__":
    main()
