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
    /// Rows scored `chunkRows` at a time (the matrices of one chunk are all that is held): a whole
    /// number of `chunkQuantum` rows, so that the scores do not depend on it.
    public private(set) var chunkRows: Int

    /// What a chunk's row count is a multiple of. BLAS (`cblas_dgemm`) computes a product in
    /// blocks of a few rows and the last, partial block with other kernels, whose sums can differ
    /// in the last bit: in chunks of whole blocks each row lands in the same kind of block as when
    /// the table is one chunk. With this machine's OpenBLAS every multiple of 4 rows gave the bits
    /// of one chunk and odd sizes did not (`ChunkedScoringTests`); 64 leaves room for wider blocks.
    public static let chunkQuantum = 64

    /// `chunkRows` is rounded up to a whole number of `chunkQuantum` rows.
    public init(model: InterferenceModel, diagnoser: Diagnoser = .init(), gate: EvidenceGate = .init(), chunkRows: Int = 4096) {
        self.model = model
        self.diagnoser = diagnoser
        self.gate = gate
        self.chunkRows = max(1, (chunkRows + Self.chunkQuantum - 1) / Self.chunkQuantum) * Self.chunkQuantum
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
        var out = [[String: Double]](repeating: [:], count: table.rows.count)
        var around = Neighbourhood(columns: table.schema.columns)
        for (i, row) in table.rows.enumerated() { around.push(vm: row.vm, index: i, values: row.values, wanted: wanted) { out[$0] = $1 } }
        around.finish(wanted: wanted) { out[$0] = $1 }
        return out
    }

    public func score(path: String, features: TraceFeatures) throws -> ScoreReport {
        let schema = features.table.schema
        var (variant, windows, categories) = try windowScores(schema: schema, rows: features.forEachRow)
        windows = gate.apply(windows, evidence: features.evidence)
        let (periods, settled) = diagnoser.diagnosis(scores: windows, evidence: features.evidence)
        // Evidence on disk that could not be read back: an error, not a verdict made without it.
        try features.evidence.checkReads()
        windows = settled
        var vms: [VMScore] = []
        for vm in features.vmNames {
            let rows = windows.indices.filter { windows[$0].vm == vm }
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
                           featureGroups: schema.groups.map(\.rawValue),
                           absentColumns: variant.featureNames.filter { !schema.columns.contains($0) },
                           detector: diagnoser.detector, vms: vms)
    }

    /// Each row's score before the evidence gate (P(interfered), its kind) and workload category,
    /// with the model variant that fits the table's columns: the one per-window step of `score`
    /// and of a live scorer.
    public func windowScores(_ table: FeatureTable) throws -> (variant: ModelVariant, windows: [WindowScore], categories: [String]) {
        try windowScores(schema: table.schema) { body in try table.rows.forEach(body) }
    }

    /// `windowScores` of the rows `rows` gives in order (a spool read back, say; called twice at
    /// most: the second pass gives the windows scored on their neighbourhood their means): the
    /// rows go through the model `chunkRows` at a time, so memory holds one chunk's matrices
    /// and a few numbers per row, not the table.
    public func windowScores(schema: FeatureSchema, rows: ((FeatureRow) throws -> Void) throws -> Void) throws
        -> (variant: ModelVariant, windows: [WindowScore], categories: [String]) {
        let variant = try model.variant(forColumns: schema.columns, windowNs: schema.windowNs)
        let classes = try Self.kinds(variant)
        let pipeline = variant.pipeline
        let index = variant.featureNames.map { schema.columns.firstIndex(of: $0) }
        let width = variant.featureNames.count, k = classes.count
        // The clusters see a column the trace lacks as "nothing of it happened" when it is a
        // demand column (a trace with no network event cannot show a VM streaming); the
        // classifier takes it at its training mean, so that its absence does not read as a cause.
        let unseenDemand = variant.featureNames.indices.filter {
            index[$0] == nil && FeatureColumn.named(variant.featureNames[$0])?.role == .demand
        }
        let idleColumn = schema.columns.firstIndex(of: FeatureColumn.schedIdleShare.name)
        var heads: [(vm: String, startNs: Int64, endNs: Int64)] = []
        var probabilities: [Double] = []      // k per row
        var clusters: [Int] = []
        var asleep: [Bool] = []               // `asleepRows`
        var chunk: [Double] = [], chunkCount = 0
        chunk.reserveCapacity(min(chunkRows, 1 << 16) * width)
        func flush() {
            guard chunkCount > 0 else { return }
            let raw = Matrix(rows: chunkCount, columns: width, data: chunk)
            let output = pipeline.transform(raw)
            probabilities += variant.classifier.predictProbabilities(output.scaled).data
            var components = output.components
            if !unseenDemand.isEmpty {
                var clusterRaw = raw
                for i in 0..<raw.rows { for j in unseenDemand { clusterRaw[i, j] = 0 } }
                components = pipeline.transform(clusterRaw).components
            }
            clusters += Self.nearest(components, centers: variant.centroids)
            chunk.removeAll(keepingCapacity: true)
            chunkCount = 0
        }
        try rows { row in
            heads.append((row.vm, row.startNs, row.endNs))
            asleep.append(idleColumn.map { row.values[$0] >= Self.asleepIdleShare } ?? false)
            for c in index { chunk.append(c.map { row.values[$0] } ?? .nan) }
            chunkCount += 1
            if chunkCount >= chunkRows { flush() }
        }
        flush()

        let idle = WorkloadCategory.idle.rawValue
        var categories = clusters.map { variant.clusterNames[$0] }
        let isIdle = categories.map { $0 == idle }
        let wanted = { (i: Int) in isIdle[i] || asleep[i] }
        if heads.indices.contains(where: wanted) {
            // A slept-through window is scored on its neighbourhood's means, in chunks as well.
            var sleptIndex: [Int] = [], slept: [Double] = []
            func flushSlept() {
                guard !sleptIndex.isEmpty else { return }
                let means = Matrix(rows: sleptIndex.count, columns: width, data: slept)
                let q = variant.classifier.predictProbabilities(pipeline.transform(means).scaled)
                for (n, i) in sleptIndex.enumerated() { for c in 0..<k { probabilities[i * k + c] = q[n, c] } }
                sleptIndex.removeAll(keepingCapacity: true)
                slept.removeAll(keepingCapacity: true)
            }
            func ready(_ i: Int, _ around: [String: Double]) {
                if isIdle[i] { categories[i] = Self.category(cluster: idle, around: around) }
                if asleep[i] {
                    sleptIndex.append(i)
                    slept += variant.featureNames.map { around[$0] ?? .nan }
                    if sleptIndex.count >= chunkRows { flushSlept() }
                }
            }
            var neighbourhood = Neighbourhood(columns: schema.columns)
            var i = 0
            try rows { row in
                neighbourhood.push(vm: row.vm, index: i, values: row.values, wanted: wanted, ready: ready)
                i += 1
            }
            neighbourhood.finish(wanted: wanted, ready: ready)
            flushSlept()
        }

        let none = classes.firstIndex(of: InterferenceKind.none) ?? 0
        var windows: [WindowScore] = []
        windows.reserveCapacity(heads.count)
        for (i, head) in heads.enumerated() {
            var kind = InterferenceKind.cpu, best = -1.0
            for (c, name) in classes.enumerated() where name != InterferenceKind.none && probabilities[i * k + c] > best {
                best = probabilities[i * k + c]; kind = name
            }
            windows.append(WindowScore(vm: head.vm, startNs: head.startNs, endNs: head.endNs,
                                       probability: 1 - probabilities[i * k + none], kind: kind))
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

/// Each VM's last `Scorer.categorySpan` rows as they come: a row's neighbourhood means (each
/// column's mean of its finite values over the VM's rows within `categorySpan / 2` before and
/// after it, cut at the VM's first and last rows) are ready once the rows after it are seen, or at
/// `finish`. Memory: `categorySpan` rows per VM.
struct Neighbourhood {
    let columns: [String]
    private var recent: [String: (seen: Int, rows: [(index: Int, values: [Double])])] = [:]
    private var order: [String] = []

    init(columns: [String]) { self.columns = columns }

    /// Row `index` of the table (the next row of `vm`); `ready` gets the means of the row whose
    /// span it completes, if `wanted` accepts it.
    mutating func push(vm: String, index: Int, values: [Double], wanted: (Int) -> Bool, ready: (Int, [String: Double]) -> Void) {
        let half = Scorer.categorySpan / 2
        if recent[vm] == nil { recent[vm] = (0, []); order.append(vm) }
        recent[vm]!.seen += 1
        recent[vm]!.rows.append((index, values))
        if recent[vm]!.rows.count > Scorer.categorySpan { recent[vm]!.rows.removeFirst() }
        let rows = recent[vm]!.rows
        // The row `half` before this one: its span is every row kept (the earliest cut at the VM's first).
        guard recent[vm]!.seen > half else { return }
        let centre = rows[rows.count - 1 - half].index
        if wanted(centre) { ready(centre, means(rows[...])) }
    }

    /// The last `categorySpan / 2` rows of each VM, whose spans end at its last row.
    mutating func finish(wanted: (Int) -> Bool, ready: (Int, [String: Double]) -> Void) {
        let half = Scorer.categorySpan / 2
        for vm in order {
            let rows = recent[vm]!.rows
            // Not yet ready: the VM's last `half` rows (all of them when it has no more).
            for n in max(0, rows.count - half)..<rows.count {
                guard wanted(rows[n].index) else { continue }
                ready(rows[n].index, means(rows[max(0, n - half)...]))
            }
        }
        recent = [:]
        order = []
    }

    private func means(_ span: ArraySlice<(index: Int, values: [Double])>) -> [String: Double] {
        var means: [String: Double] = [:]
        for (j, column) in columns.enumerated() {
            let values = span.map { $0.values[j] }.filter(\.isFinite)
            if !values.isEmpty { means[column] = values.reduce(0, +) / Double(values.count) }
        }
        return means
    }
}
