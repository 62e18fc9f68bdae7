/// The baseline with no training (CPI2's rule): per VM, a window is flagged when one of the
/// CPU-contention features lies more than `sigmas` standard deviations above the VM's own quiet
/// behaviour. "Quiet" is the half of the VM's windows with the lowest sum of those features (the
/// reference a VM shows most of the time); σ has a floor (`minimumSpread`) so a perfectly steady
/// VM is not flagged for noise.
public struct SigmaBaseline: Sendable, Codable, Equatable {
    public var columns: [String]
    public var sigmas: Double
    public var minimumSpread: Double

    /// `columns`: the CPU-contention features by name (Diagnosis passes the registry's).
    public init(columns: [String], sigmas: Double = 2, minimumSpread: Double = 0.02) {
        self.columns = columns
        self.sigmas = sigmas
        self.minimumSpread = minimumSpread
    }

    /// Flags for each row; `x` has one column per name in `featureNames`, `groups` is the VM of each row.
    public func predict(_ x: Matrix, featureNames: [String], groups: [String]) -> [Bool] {
        let indices = columns.compactMap { featureNames.firstIndex(of: $0) }
        guard !indices.isEmpty else { return [Bool](repeating: false, count: x.rows) }
        var flags = [Bool](repeating: false, count: x.rows)
        for rows in Dictionary(grouping: 0..<x.rows, by: { groups[$0] }).values {
            func value(_ i: Int, _ j: Int) -> Double { let v = x[i, j]; return v.isFinite ? v : 0 }
            let ordered = rows.sorted { a, b in
                let sa = indices.reduce(0) { $0 + value(a, $1) }, sb = indices.reduce(0) { $0 + value(b, $1) }
                return sa != sb ? sa < sb : a < b
            }
            let quiet = Array(ordered.prefix(max(1, ordered.count / 2)))
            for j in indices {
                let values = quiet.map { value($0, j) }
                let mean = values.reduce(0, +) / Double(values.count)
                let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
                let limit = mean + sigmas * max(sd, minimumSpread)
                for i in rows where value(i, j) > limit { flags[i] = true }
            }
        }
        return flags
    }
}
