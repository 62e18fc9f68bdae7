import Diagnosis
import Features

/// One VM's timeline columns and rates, made as its rows go by (a spool read back, say): each run
/// of `group` rows is merged (`ReportBuilder.merge`, the rates' means) as soon as it is complete,
/// so only one run is held, whatever the trace's length. Given the VM's row count beforehand, the
/// result is what merging the whole list at once gives.
struct VMTimeline {
    let group: Int
    private let windows: [WindowScore]
    private(set) var columns: [ReportDocument.Column] = []
    /// Per rate of `ReportBuilder.rates` the trace has the columns of: the merged means, and
    /// whether any window's value was above 0 (a rate that never is is not drawn).
    private(set) var rates: [(values: [Double], any: Bool)]
    private var pending: [ReportDocument.Column] = []
    private var pendingRates: [[Double]]
    private var seen = 0

    /// `rows`: how many rows the VM has; `rateCount`: how many rates each row gives.
    init(rows: Int, maxColumns: Int, windows: [WindowScore], rateCount: Int) {
        group = max(1, (rows + maxColumns - 1) / maxColumns)
        self.windows = windows
        rates = Array(repeating: ([], false), count: rateCount)
        pendingRates = Array(repeating: [], count: rateCount)
    }

    /// The VM's next row: its bounds, its state shares and its rates (in `ReportBuilder.rates` order).
    mutating func push(startNs: Int64, endNs: Int64, states: [Double], rates values: [Double]) {
        let w = seen < windows.count ? windows[seen] : nil
        seen += 1
        pending.append(.init(startNs: startNs, endNs: endNs, states: states,
                             probability: w?.probability ?? .nan, kind: w?.kind, windows: 1))
        for (r, v) in values.enumerated() {
            pendingRates[r].append(v)
            if v > 0 { rates[r].any = true }
        }
        if pending.count == group { flush() }
    }

    /// Merges what is left (the last, shorter run).
    mutating func finish() { flush() }

    private mutating func flush() {
        guard !pending.isEmpty else { return }
        columns += ReportBuilder.merge(pending, by: group)
        for r in pendingRates.indices {
            let part = pendingRates[r]
            rates[r].values.append(part.reduce(0, +) / Double(part.count))
            pendingRates[r].removeAll(keepingCapacity: true)
        }
        pending.removeAll(keepingCapacity: true)
    }
}
