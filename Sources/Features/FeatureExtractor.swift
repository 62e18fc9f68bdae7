import HostModel

/// Turns one `VMWindow` into the values of the schema's columns (rates per second, shares of
/// the vCPU time observed, latencies in ms or µs). A metric with no sample in the window (no
/// wait, no request) is 0; a column of an absent group is never produced.
public struct FeatureExtractor: Sendable {
    public let schema: FeatureSchema

    public init(schema: FeatureSchema) {
        self.schema = schema
    }

    public func values(for w: VMWindow) -> [Double] {
        let measures = WindowMeasures(w)
        var out: [Double] = []
        out.reserveCapacity(schema.columns.count)
        for group in schema.groups {
            for column in group.featureColumns {
                switch column.source {
                case .window(let value): out.append(value(measures))
                // Filled by the Intel PT source; a CTF trace never has this group.
                case .pt: out.append(Double.nan)
                }
            }
        }
        return out
    }
}

/// Small statistics over raw samples (0 for an empty sample: "nothing happened").
public enum Stats {
    public static func mean(_ xs: [Int64]) -> Double {
        xs.isEmpty ? 0 : Double(xs.reduce(0, +)) / Double(xs.count)
    }

    /// Population standard deviation.
    public static func standardDeviation(_ xs: [Int64]) -> Double {
        guard xs.count > 1 else { return 0 }
        let m = mean(xs)
        let v = xs.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(xs.count)
        return v.squareRoot()
    }

    /// Nearest-rank quantile.
    public static func quantile(_ xs: [Int64], _ q: Double) -> Double {
        guard !xs.isEmpty else { return 0 }
        let sorted = xs.sorted()
        let rank = max(1, Int((q * Double(sorted.count)).rounded(.up)))
        return Double(sorted[min(sorted.count, rank) - 1])
    }

    /// Differences between consecutive times (sorted).
    public static func intervals(_ times: [Int64]) -> [Int64] {
        guard times.count > 1 else { return [] }
        let sorted = times.sorted()
        return zip(sorted.dropFirst(), sorted).map { $0 - $1 }
    }
}
