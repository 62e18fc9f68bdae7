import Foundation

/// Turns per-bin breakdowns into drawn segments: each bin goes to whoever (or whatever state)
/// had most of its time; neighbouring bins with the same winner merge into one segment whose
/// hover text gives the shares over the merged stretch. Bins whose winner is `blank` (the idle
/// task) or that hold no time are not drawn.
struct LaneSegments {
    /// One bin's time per (label, style).
    typealias Breakdown = [(label: String, style: String, ns: Int64)]

    var bins: TimeBins
    var blank: String? = nil

    func segments(count: Int, breakdown: (Int) -> Breakdown) -> [ReportDocument.Segment] {
        var result: [ReportDocument.Segment] = []
        var open: (label: String, style: String, start: Int, end: Int, totals: [String: Int64])?
        func close() {
            guard let o = open else { return }
            let sum = o.totals.values.reduce(0, +)
            let detail = o.totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .prefix(4).map { "\($0.key) \(Self.percent(Double($0.value) / Double(max(sum, 1))))" }.joined(separator: ", ")
            result.append(.init(startNs: bins.start(o.start), endNs: bins.start(o.end), label: o.label, style: o.style, detail: detail))
            open = nil
        }
        for i in 0..<count {
            let parts = breakdown(i)
            guard let top = parts.max(by: { $0.ns != $1.ns ? $0.ns < $1.ns : $0.label > $1.label }), top.ns > 0,
                  top.label != blank else { close(); continue }
            if let o = open, o.label == top.label, o.style == top.style, o.end == i {
                open!.end = i + 1
            } else {
                close()
                open = (top.label, top.style, i, i + 1, [:])
            }
            for p in parts where p.ns > 0 { open!.totals[p.label, default: 0] += p.ns }
        }
        close()
        return result
    }

    static func percent(_ x: Double) -> String { String(format: "%.0f %%", 100 * x) }
}
