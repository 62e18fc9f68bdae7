import HostModel

/// One window's verdict: how likely the VM suffered interference in it, and of which kind.
public struct WindowScore: Sendable, Codable, Equatable {
    public var vm: String
    public var startNs: Int64
    public var endNs: Int64
    /// P(interfered) = 1 − P(none).
    public var probability: Double
    /// The most likely kind when interfered: cpu, disk, net or memory.
    public var kind: InterferenceKind

    public init(vm: String, startNs: Int64, endNs: Int64, probability: Double, kind: InterferenceKind) {
        self.vm = vm
        self.startNs = startNs
        self.endNs = endNs
        self.probability = probability
        self.kind = kind
    }
}

/// A stretch of time during which one VM suffered interference.
public struct InterferencePeriod: Sendable, Codable, Equatable {
    public var vm: String
    public var startNs: Int64
    public var endNs: Int64
    /// The kind most windows of the period had (weighted by probability).
    public var kind: InterferenceKind
    public var meanProbability: Double
    public var windows: Int

    public init(vm: String, startNs: Int64, endNs: Int64, kind: InterferenceKind, meanProbability: Double, windows: Int) {
        self.vm = vm
        self.startNs = startNs
        self.endNs = endNs
        self.kind = kind
        self.meanProbability = meanProbability
        self.windows = windows
    }
}

/// Turns window probabilities into periods by hysteresis: a period opens at a window with
/// p ≥ `high`, stays open while p ≥ `low`, and closes below it; periods separated by less than
/// `mergeGapNs` merge; a stretch whose windows change kind for at least `kindChangeNs` (a CPU
/// neighbour, then a disk neighbour, back to back) is one period per kind; periods shorter than
/// `minimumNs` are dropped.
public struct PeriodDetector: Sendable, Codable, Equatable {
    public var high: Double
    public var low: Double
    public var mergeGapNs: Int64
    public var minimumNs: Int64
    /// A run of consecutive windows of one kind this long or longer is a period of its own; a
    /// shorter run belongs to the run before it (the first run: to the one after it).
    public var kindChangeNs: Int64

    public init(high: Double = 0.7, low: Double = 0.4, mergeGapNs: Int64 = 300_000_000, minimumNs: Int64 = 300_000_000,
                kindChangeNs: Int64 = 300_000_000) {
        self.high = high
        self.low = low
        self.mergeGapNs = mergeGapNs
        self.minimumNs = minimumNs
        self.kindChangeNs = kindChangeNs
    }

    /// Periods of every VM, ordered by VM then start.
    public func periods(_ scores: [WindowScore]) -> [InterferencePeriod] {
        let byVM = Dictionary(grouping: scores, by: \.vm)
        var result: [InterferencePeriod] = []
        for vm in byVM.keys.sorted() {
            let windows = byVM[vm]!.sorted { $0.startNs < $1.startNs }
            var spans: [[WindowScore]] = []
            var open: [WindowScore] = []
            for w in windows {
                if open.isEmpty {
                    if w.probability >= high { open = [w] }
                } else if w.probability >= low && w.startNs <= open.last!.endNs {
                    open.append(w)
                } else {
                    spans.append(open)
                    open = w.probability >= high ? [w] : []
                }
            }
            if !open.isEmpty { spans.append(open) }
            // Merge spans separated by short gaps.
            var merged: [[WindowScore]] = []
            for span in spans {
                if let last = merged.last, span.first!.startNs - last.last!.endNs < mergeGapNs {
                    merged[merged.count - 1].append(contentsOf: span)
                } else {
                    merged.append(span)
                }
            }
            for span in merged.flatMap(splitByKind) {
                let start = span.first!.startNs, end = span.last!.endNs
                guard end - start >= minimumNs else { continue }
                var weight: [InterferenceKind: Double] = [:]
                for w in span { weight[w.kind, default: 0] += w.probability }
                // Equal weights: the kind first by name.
                let kind = weight.max { $0.value != $1.value ? $0.value < $1.value : $0.key.rawValue > $1.key.rawValue }!.key
                let mean = span.map(\.probability).reduce(0, +) / Double(span.count)
                result.append(InterferencePeriod(vm: vm, startNs: start, endNs: end, kind: kind,
                                                 meanProbability: mean, windows: span.count))
            }
        }
        return result
    }

    /// A stretch cut where its windows change kind for at least `kindChangeNs`: runs of one kind
    /// shorter than that join the run before them (or, at the start, the one after), and runs
    /// that end up next to each other with the same kind join again.
    func splitByKind(_ span: [WindowScore]) -> [[WindowScore]] {
        var runs: [[WindowScore]] = []
        for w in span {
            if let last = runs.last?.last, last.kind == w.kind { runs[runs.count - 1].append(w) } else { runs.append([w]) }
        }
        let isLong = { (run: [WindowScore]) in run.last!.endNs - run.first!.startNs >= kindChangeNs }
        guard runs.contains(where: isLong) else { return [span] }
        var parts: [[WindowScore]] = []
        var kinds: [InterferenceKind] = []
        var leading: [WindowScore] = []
        for run in runs {
            if isLong(run) {
                if kinds.last == run[0].kind {
                    parts[parts.count - 1] += run
                } else {
                    parts.append(leading + run)
                    kinds.append(run[0].kind)
                }
                leading = []
            } else if parts.isEmpty {
                leading += run
            } else {
                parts[parts.count - 1] += run
            }
        }
        return parts
    }
}
