import Features
import Foundation
import HostModel
import Learning
import Recording

/// What `interfere score` says of one VM: its workload category, the share of its windows in
/// each, its window scores and its explained interference periods.
public struct VMScore: Sendable, Codable {
    public var vm: String
    public var category: String
    public var categoryShares: [String: Double]
    public var windows: [WindowScore]
    /// The workload category of each window, parallel to `windows`.
    public var windowCategories: [String]
    public var periods: [PeriodReport]
}

/// The whole answer for one trace.
public struct ScoreReport: Sendable, Codable {
    public var trace: String
    public var variant: String
    public var schemaID: String
    public var featureGroups: [String]
    public var absentColumns: [String]
    public var detector: PeriodDetector
    public var vms: [VMScore]
}

/// Scores a trace with a model: workload category per window (nearest centroid in PCA space),
/// P(interfered) = 1 − P(none) and the kind per window, checked by the `EvidenceGate`, then
/// periods, causes, culprits and actions from the `Diagnoser`.
public struct Scorer {
    public var model: InterferenceModel
    public var diagnoser: Diagnoser
    public var gate: EvidenceGate

    public init(model: InterferenceModel, diagnoser: Diagnoser = .init(), gate: EvidenceGate = .init()) {
        self.model = model
        self.diagnoser = diagnoser
        self.gate = gate
    }

    /// A window's category: its cluster's name, except that I/O the VM shows around the window
    /// wins over "idle": a VM streaming at a steady rate asks for the link, not for the CPU, and
    /// one starved of its link or sending a 64 KB segment every few windows shows windows with no
    /// packet at all. The category rule is then applied to the VM's mean values over the
    /// `categorySpan` windows centred on this one (`around`), and its disk, net or mixed verdict is kept.
    static func category(cluster: String, around: [String: Double]) -> String {
        guard cluster == WorkloadCategory.idle.rawValue else { return cluster }
        let own = ClusterNamer.name(centroid: around)
        return [.disk, .net, .mixed].contains(own) ? own.rawValue : cluster
    }

    /// The rows in which the VM's vCPUs were idle throughout (not running, not preempted, not
    /// waiting): the VM asked nothing of the host then, so the window holds no sign of its own of
    /// being held back or not. A victim starved of its link or disk sleeps through whole windows
    /// between its bursts; an idle VM sleeps through all of them. Such a window is scored on the
    /// VM's mean values over the `categorySpan` windows around it, as "idle" windows get their
    /// category.
    static func asleepRows(_ table: FeatureTable) -> Set<Int> {
        guard let idle = table.schema.columns.firstIndex(of: FeatureColumn.schedIdleShare.name) else { return [] }
        return Set(table.rows.indices.filter { table.rows[$0].values[idle] >= Self.asleepIdleShare })
    }

    /// The idle share from which a window counts as slept through.
    static let asleepIdleShare = 0.999

    /// The windows (centred on the one named) whose mean I/O can turn an "idle" window into disk,
    /// net or mixed: about a second at the default 100 ms window.
    public static let categorySpan = 9

    /// Per row of `table`, the mean of each column over the rows of the same VM within
    /// `categorySpan / 2` windows before and after it (rows of one VM are in time order).
    /// Only the rows `wanted` accepts are computed (the others stay empty): the means are read for
    /// "idle" windows alone.
    static func neighbourhoodMeans(_ table: FeatureTable, wanted: (Int) -> Bool = { _ in true }) -> [[String: Double]] {
        let half = categorySpan / 2
        var out = [[String: Double]](repeating: [:], count: table.rows.count)
        let byVM = Dictionary(grouping: table.rows.indices, by: { table.rows[$0].vm })
        for rows in byVM.values {
            for (n, i) in rows.enumerated() where wanted(i) {
                let span = rows[max(0, n - half)...min(rows.count - 1, n + half)]
                var means: [String: Double] = [:]
                for (j, column) in table.schema.columns.enumerated() {
                    let values = span.map { table.rows[$0].values[j] }.filter(\.isFinite)
                    if !values.isEmpty { means[column] = values.reduce(0, +) / Double(values.count) }
                }
                out[i] = means
            }
        }
        return out
    }

    public func score(path: String, features: TraceFeatures) throws -> ScoreReport {
        let table = features.table
        var (variant, windows, categories) = try windowScores(table)
        windows = gate.apply(windows, evidence: features.evidence)
        let (periods, settled) = diagnoser.diagnosis(scores: windows, evidence: features.evidence)
        windows = settled
        var vms: [VMScore] = []
        for vm in features.vmNames {
            let rows = table.rows.indices.filter { table.rows[$0].vm == vm }
            let own = periods.filter { $0.period.vm == vm }
            let held = HeldBackCategory.apply(categories: rows.map { categories[$0] }, windows: rows.map { windows[$0] },
                                              periods: own.map(\.period))
            for (n, i) in rows.enumerated() { categories[i] = held[n] }
            var shares: [String: Double] = [:]
            for i in rows { shares[categories[i], default: 0] += 1 / Double(rows.count) }
            let category = shares.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? WorkloadCategory.idle.rawValue
            vms.append(VMScore(vm: vm, category: category, categoryShares: shares,
                               windows: rows.map { windows[$0] }, windowCategories: rows.map { categories[$0] }, periods: own))
        }
        return ScoreReport(trace: path, variant: variant.name, schemaID: variant.schemaID,
                           featureGroups: table.schema.groups.map(\.rawValue),
                           absentColumns: variant.featureNames.filter { !table.schema.columns.contains($0) },
                           detector: diagnoser.detector, vms: vms)
    }

    /// Each row's score before the evidence gate (P(interfered), its kind) and workload category,
    /// with the model variant that fits the table's columns: the one per-window step of `score`
    /// and of a live scorer.
    public func windowScores(_ table: FeatureTable) throws -> (variant: ModelVariant, windows: [WindowScore], categories: [String]) {
        let variant = try model.variant(forColumns: table.schema.columns, windowNs: table.schema.windowNs)
        let classes = try Self.kinds(variant)
        let index = variant.featureNames.map { table.schema.columns.firstIndex(of: $0) }
        let raw = Matrix(rows: table.rows.count, columns: variant.featureNames.count,
                         data: table.rows.flatMap { row in index.map { $0.map { row.values[$0] } ?? .nan } })
        // The clusters see a column the trace lacks as "nothing of it happened" when it is a
        // demand column (a trace with no network event cannot show a VM streaming); the
        // classifier takes it at its training mean, so that its absence does not read as a cause.
        let unseenDemand = variant.featureNames.indices.filter {
            index[$0] == nil && FeatureColumn.named(variant.featureNames[$0])?.role == .demand
        }
        var clusterRaw = raw
        for i in 0..<raw.rows { for j in unseenDemand { clusterRaw[i, j] = 0 } }
        var windows: [WindowScore] = []
        var categories: [String] = []
        if raw.rows > 0 {
            let output = variant.pipeline.transform(raw)
            var p = variant.classifier.predictProbabilities(output.scaled)
            let components = unseenDemand.isEmpty ? output.components : variant.pipeline.transform(clusterRaw).components
            let clusters = Self.nearest(components, centers: variant.centroids)
            let asleep = Self.asleepRows(table)
            let around = Self.neighbourhoodMeans(table) { variant.clusterNames[clusters[$0]] == WorkloadCategory.idle.rawValue || asleep.contains($0) }
            if !asleep.isEmpty {
                let rows = asleep.sorted()
                let means = Matrix(rows: rows.count, columns: variant.featureNames.count,
                                   data: rows.flatMap { i in variant.featureNames.map { around[i][$0] ?? .nan } })
                let q = variant.classifier.predictProbabilities(variant.pipeline.transform(means).scaled)
                for (n, i) in rows.enumerated() { for c in 0..<classes.count { p[i, c] = q[n, c] } }
            }
            for (i, row) in table.rows.enumerated() {
                var kind = InterferenceKind.cpu, best = -1.0
                for (c, name) in classes.enumerated() where name != InterferenceKind.none && p[i, c] > best { best = p[i, c]; kind = name }
                let none = classes.firstIndex(of: InterferenceKind.none) ?? 0
                windows.append(WindowScore(vm: row.vm, startNs: row.startNs, endNs: row.endNs,
                                           probability: 1 - p[i, none], kind: kind))
                categories.append(Self.category(cluster: variant.clusterNames[clusters[i]], around: around[i]))
            }
        }
        return (variant, windows, categories)
    }

    /// The variant's classes as interference kinds; a class that is none is an error.
    static func kinds(_ variant: ModelVariant) throws -> [InterferenceKind] {
        try variant.classes.map { name in
            guard let kind = InterferenceKind(rawValue: name) else { throw ScoreError.unknownClass(variant: variant.name, name: name) }
            return kind
        }
    }

    static func nearest(_ z: Matrix, centers: Matrix) -> [Int] {
        let products = z.multiplied(by: centers, transposeOther: true)
        let norms = centers.rowSquaredNorms()
        return (0..<z.rows).map { i in (0..<centers.rows).min { norms[$0] - 2 * products[i, $0] < norms[$1] - 2 * products[i, $1] }! }
    }
}

/// A model that cannot score a trace although it loaded.
public enum ScoreError: Error, CustomStringConvertible, Equatable {
    /// The classifier has a class that is not an interference kind.
    case unknownClass(variant: String, name: String)

    public var description: String {
        switch self {
        case .unknownClass(let variant, let name):
            return "model variant `\(variant)` has the class `\(name)`, which is not an interference kind (\(InterferenceKind.allCases.map(\.rawValue).joined(separator: ", ")))"
        }
    }
}
