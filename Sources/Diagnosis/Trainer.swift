import Features
import Foundation
import HostModel
import Learning
import Recording

/// Labeled feature rows from several traces, in one matrix per variant.
struct LabeledRows {
    var columns: [String]
    var values: [[Double]]          // one row per window, NaN where the trace lacks the column
    var interference: [InterferenceKind]
    var workload: [String]
    var group: [String]             // dataset name
    var vm: [String]
    /// Whether the classifier learns from the row (the clusters learn from every row).
    var teachesClassifier: [Bool]

    /// `leftOut`: per trace, the windows (`vm@start_ns`) the classifier does not learn from.
    init(_ traces: [(name: String, table: FeatureTable)], leftOut: [String: Set<String>] = [:]) {
        var columns: [String] = []
        for (_, t) in traces { for c in t.schema.columns where !columns.contains(c) { columns.append(c) } }
        let order = FeatureGroup.allCases.flatMap(\.columns)
        columns.sort { (order.firstIndex(of: $0) ?? 0) < (order.firstIndex(of: $1) ?? 0) }
        self.columns = columns
        values = []; interference = []; workload = []; group = []; vm = []; teachesClassifier = []
        for (name, t) in traces {
            let index = columns.map { t.schema.columns.firstIndex(of: $0) }
            let out = leftOut[name] ?? []
            for row in t.rows {
                guard let label = row.label else { continue }
                values.append(index.map { $0.map { row.values[$0] } ?? .nan })
                interference.append(label.interference)
                workload.append(label.workload.rawValue)
                group.append(name)
                vm.append(row.vm)
                teachesClassifier.append(!out.contains("\(row.vm)@\(row.startNs)"))
            }
        }
    }

    /// The rows' values of `names`, in the features' own units (NaN where absent).
    func rawMatrix(_ names: [String], rows: [Int]) -> Matrix {
        let index = names.map { columns.firstIndex(of: $0) }
        return Matrix(rows: rows.count, columns: names.count,
                      data: rows.flatMap { r in index.map { $0.map { values[r][$0] } ?? .nan } })
    }
}

/// Trains the model file from labeled datasets (issue #5): per variant a scaler, a PCA, k-means
/// workload clusters named by `ClusterNamer`, and a multinomial logistic regression over
/// {none, cpu, disk, net, memory}; cross-validated by trace.
public struct Trainer {
    public static let classes = InterferenceKind.allCases

    public var windowNs: Int64
    /// nil: choose k in 8...16 by silhouette (over-clustering; names may repeat).
    public var k: Int?
    public var seed: UInt64
    public var c: Double
    public var folds: Int

    public init(windowNs: Int64 = 100_000_000, k: Int? = nil, seed: UInt64 = 1, c: Double = 1.0, folds: Int = 5) {
        self.windowNs = windowNs
        self.k = k
        self.seed = seed
        self.c = c
        self.folds = folds
    }

    /// Reads the datasets and fits the model; `progress` is told each dataset read, `warning` each
    /// doubt about a dataset's labels (`Dataset.labelWarnings`).
    public func train(datasets: [Dataset], progress: ((String) -> Void)? = nil,
                      warning: ((String) -> Void)? = nil) throws -> InterferenceModel {
        var traces: [(name: String, table: FeatureTable)] = []
        var leftOut: [String: Set<String>] = [:]
        for dataset in datasets {
            progress?("reading \(dataset.path)")
            let (features, labels) = try dataset.read(windowNs: windowNs)
            dataset.labelWarnings(labels, features: features).forEach { warning?($0) }
            traces.append((dataset.name, features.table))
            leftOut[dataset.name] = Self.saturatorWindows(features)
        }
        return try fit(traces: traces, leftOut: leftOut)
    }

    /// The windows (`vm@start_ns`) in which a VM labeled `none` made most of the bytes
    /// (`EvidenceGate.dominantShare`) on a device or link that someone else used too. The gate never
    /// lets such a window be scored as disk or net interference, and learning from them would
    /// teach the classifier that a long disk latency or a slow transmit is normal (they are the
    /// culprit's own queue): the classifier leaves them out; the workload clusters keep them.
    public static func saturatorWindows(_ features: TraceFeatures, gate: EvidenceGate = .init()) -> Set<String> {
        let none = Set(features.table.rows.filter { $0.label?.interference == InterferenceKind.none }.map { "\($0.vm)@\($0.startNs)" })
        var out = Set<String>()
        for w in features.evidence {
            let shares = [EvidenceGate.ownShare(w.diskBytes, vm: w.vm), EvidenceGate.ownShare(w.netBytes, vm: w.vm)].compactMap { $0 }
            let key = "\(w.vm)@\(w.startNs)"
            if none.contains(key), shares.contains(where: { $0 >= gate.dominantShare && $0 < 1 }) { out.insert(key) }
        }
        return out
    }

    func fit(traces: [(name: String, table: FeatureTable)], leftOut: [String: Set<String>] = [:]) throws -> InterferenceModel {
        let data = LabeledRows(traces, leftOut: leftOut)
        guard data.values.count >= 10 else { throw DatasetError.nothingToLearn("only \(data.values.count) labeled windows") }
        var variants: [ModelVariant] = []
        func group(_ column: String) -> FeatureGroup? { FeatureColumn.named(column)?.group }
        func columns(without excluded: Set<FeatureGroup>) -> [String] {
            data.columns.filter { group($0).map { !excluded.contains($0) } ?? true }
        }
        let hasKVM = data.columns.contains { group($0) == .kvm }
        let hasPT = data.columns.contains { group($0) == .pt }
        // Each variant learns from the windows that have its groups: CTF traces for full and
        // portable, Intel PT captures for pt.
        func rows(having wanted: FeatureGroup) -> [Int] {
            guard let c = data.columns.firstIndex(where: { group($0) == wanted }) else { return [] }
            return data.values.indices.filter { !data.values[$0][c].isNaN }
        }
        let ctf = rows(having: .sched)
        if hasKVM {
            variants.append(try fitVariant("full", data, columns: columns(without: [.pt]), required: [.sched, .kvm], rows: ctf))
        }
        if !ctf.isEmpty {
            variants.append(try fitVariant("portable", data, columns: columns(without: [.kvm, .pt]), required: [.sched], rows: ctf))
        }
        let pt = rows(having: .pt)
        if hasPT && pt.count >= 10 {
            // PT packets show VM entries, exits and host processes, not disks or links: the pt
            // variant learns CPU interference against everything else.
            var cpuOnly = data
            for r in pt where cpuOnly.interference[r] != .cpu { cpuOnly.interference[r] = InterferenceKind.none }
            variants.append(try fitVariant("pt", cpuOnly, columns: data.columns.filter { group($0) == .pt }, required: [.pt], rows: pt))
        }
        var perClass: [String: Int] = [:]
        for c in data.interference { perClass[c.rawValue, default: 0] += 1 }
        return InterferenceModel(variants: variants, training: TrainingDescription(
            datasets: traces.map(\.name), rowsPerClass: perClass, windowNs: windowNs, seed: seed))
    }

    /// `required`: the groups a trace must have for the variant (stored in the model as the
    /// groups' column prefixes).
    func fitVariant(_ name: String, _ data: LabeledRows, columns: [String], required: [FeatureGroup], rows all: [Int]) throws -> ModelVariant {
        var fitted = try fitParts(data, columns: columns, rows: all)
        // Cross-validation grouped by trace (positions below are into `all`).
        var predictedAll = [Bool](repeating: false, count: all.count)
        var actualAll = [Bool](repeating: false, count: all.count)
        var baselineAll = [Bool](repeating: false, count: all.count)
        let baseline = SigmaBaseline.cpuContention
        let groups = all.map { data.group[$0] }
        for (trainAt, testAt) in GroupKFold.folds(groups: groups, k: folds) where !trainAt.isEmpty && !testAt.isEmpty {
            let train = trainAt.map { all[$0] }, test = testAt.map { all[$0] }
            let part = try fitParts(data, columns: columns, rows: train)
            let x = part.pipeline.scaled(data.rawMatrix(columns, rows: test))
            let p = part.classifier.predictProbabilities(x)
            let flags = baseline.predict(data.rawMatrix(columns, rows: test), featureNames: columns,
                                         groups: test.map { data.group[$0] + "/" + data.vm[$0] })
            for (n, at) in testAt.enumerated() {
                predictedAll[at] = 1 - p[n, 0] >= 0.5
                actualAll[at] = data.interference[all[at]] != InterferenceKind.none
                baselineAll[at] = flags[n]
            }
        }
        let model = Metrics.precisionRecallF1(predicted: predictedAll, actual: actualAll)
        let base = Metrics.precisionRecallF1(predicted: baselineAll, actual: actualAll)
        let workloads = Array(Set(all.map { data.workload[$0] })).sorted()
        let ari = Metrics.adjustedRandIndex(fitted.clusterLabels, all.map { workloads.firstIndex(of: data.workload[$0])! })
        fitted.metrics = [
            "cv_window_precision": model.precision, "cv_window_recall": model.recall, "cv_window_f1": model.f1,
            "cv_baseline_f1": base.f1, "train_category_ari": ari, "silhouette": fitted.silhouette,
            "rows": Double(all.count), "folds": Double(min(folds, Set(groups).count)),
        ]
        let schema = FeatureSchema.id(columns: columns, windowNs: windowNs)
        return ModelVariant(name: name, schemaID: schema, featureNames: columns, windowNs: windowNs,
                            requiredPrefixes: required.map { $0.rawValue + "_" }, scaler: fitted.pipeline.scaler, pca: fitted.pipeline.pca,
                            centroids: fitted.centroids, clusterNames: fitted.names, classifier: fitted.classifier,
                            classes: Self.classes.map(\.rawValue), metrics: fitted.metrics, clusterFeatures: fitted.pipeline.workloadColumns)
    }

    struct Parts {
        var pipeline: FeaturePipeline
        var centroids: Matrix
        var names: [String]
        var classifier: LogisticRegression
        var clusterLabels: [Int]
        var silhouette: Double
        var metrics: [String: Double] = [:]
    }

    func fitParts(_ data: LabeledRows, columns: [String], rows: [Int]) throws -> Parts {
        let raw = data.rawMatrix(columns, rows: rows)
        var pipeline = FeaturePipeline(columns: columns)
        let output = try pipeline.fit(raw)
        let x = output.scaled
        // k by silhouette. Over-cluster: 8…16 clusters (more than the six categories) keep each
        // cluster pure, and the rule may give several clusters the same name.
        var selection = KSelection(candidates: k.map { [$0] } ?? Array(2...min(16, max(2, rows.count - 1))).filter { $0 >= min(8, rows.count - 1) },
                                   restarts: 4, sampleSize: 1500, seed: seed)
        try selection.fit(output.components)
        let km = selection.model
        let silhouette = selection.silhouettes[selection.k] ?? 0
        let labels = selection.predict(output.components)
        // Name each cluster from its centroid in the features' own units, taken as the median of
        // its windows per feature (a cluster that mixes two workloads is named by its majority,
        // not by an average that looks like neither).
        var names: [String] = []
        for c in 0..<km.centers.rows {
            let members = labels.indices.filter { labels[$0] == c }
            var centroid: [String: Double] = [:]
            for (j, name) in columns.enumerated() {
                let values = members.map { raw[$0, j] }.filter(\.isFinite).sorted()
                if !values.isEmpty { centroid[name] = values[values.count / 2] }
            }
            names.append(ClusterNamer.name(centroid: centroid).rawValue)
        }
        var classifier = LogisticRegression(c: c, balanced: true, maxIterations: 300)
        let teach = rows.indices.filter { data.teachesClassifier[rows[$0]] }
        let xt = teach.count == rows.count ? x : Matrix(rows: teach.count, columns: x.columns, data: teach.flatMap { i in (0..<x.columns).map { x[i, $0] } })
        try classifier.fit(xt, teach.map { Self.classes.firstIndex(of: data.interference[rows[$0]]) ?? 0 }, classes: Self.classes.count)
        return Parts(pipeline: pipeline, centroids: km.centers, names: names, classifier: classifier,
                     clusterLabels: labels, silhouette: silhouette)
    }

    /// The columns that say what a VM asks for rather than what it suffers: the workload
    /// clusters are made from these (vCPUs, running and idle shares, wakeups and wake causes, exits
    /// by group, guest share, disk, QEMU and network rates and bytes). Steal, waits, latencies and
    /// their spread describe interference and are left to the classifier.
    /// The columns workload clusters are learned from: the demand columns (`FeatureRole`), so a
    /// workload keeps its category while it suffers.
    static func workloadColumns(_ columns: [String]) -> [String] {
        let kept = columns.filter { FeatureColumn.named($0)?.role == .demand }
        return kept.isEmpty ? columns : kept
    }
}

