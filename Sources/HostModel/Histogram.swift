/// A log-linear histogram of non-negative durations (ns) with exact count, sum, min and max, and
/// percentiles within 1/64 (about 1.6 %) of the true value: memory stays fixed however many
/// values go in.
public struct DurationHistogram: Sendable, Codable, Equatable {
    private static let subBuckets = 64
    private var buckets: [Int] = []
    public private(set) var count = 0
    public private(set) var sum: Double = 0
    public private(set) var sumOfSquares: Double = 0
    public private(set) var min: Int64 = .max
    public private(set) var max: Int64 = .min

    public init() {}

    public mutating func add(_ value: Int64) {
        let v = Swift.max(0, value)
        let index = Self.bucket(of: v)
        if index >= buckets.count { buckets.append(contentsOf: repeatElement(0, count: index + 1 - buckets.count)) }
        buckets[index] += 1
        count += 1
        let d = Double(v)
        sum += d
        sumOfSquares += d * d
        min = Swift.min(min, v)
        max = Swift.max(max, v)
    }

    public var mean: Double { count > 0 ? sum / Double(count) : .nan }

    /// Population standard deviation.
    public var standardDeviation: Double {
        guard count > 0 else { return .nan }
        let m = mean
        return (Swift.max(0, sumOfSquares / Double(count) - m * m)).squareRoot()
    }

    /// The value at quantile `q` (0...1): the midpoint of the bucket holding it, clamped to [min, max].
    public func quantile(_ q: Double) -> Double {
        guard count > 0 else { return .nan }
        let rank = Swift.max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for (index, n) in buckets.enumerated() where n > 0 {
            seen += n
            if seen >= rank {
                let (low, high) = Self.range(of: index)
                let mid = (Double(low) + Double(high)) / 2
                return Swift.min(Double(max), Swift.max(Double(min), mid))
            }
        }
        return Double(max)
    }

    public static func += (lhs: inout DurationHistogram, rhs: DurationHistogram) {
        if rhs.buckets.count > lhs.buckets.count {
            lhs.buckets.append(contentsOf: repeatElement(0, count: rhs.buckets.count - lhs.buckets.count))
        }
        for (i, n) in rhs.buckets.enumerated() { lhs.buckets[i] += n }
        lhs.count += rhs.count
        lhs.sum += rhs.sum
        lhs.sumOfSquares += rhs.sumOfSquares
        lhs.min = Swift.min(lhs.min, rhs.min)
        lhs.max = Swift.max(lhs.max, rhs.max)
    }

    private static func bucket(of value: Int64) -> Int {
        if value < Int64(subBuckets) { return Int(value) }
        let magnitude = 63 - value.leadingZeroBitCount          // floor(log2 value) >= 6
        let shift = magnitude - 6
        let sub = Int(value >> Int64(shift)) - subBuckets         // 0..<64
        return subBuckets + (magnitude - 6) * subBuckets + sub
    }

    private static func range(of index: Int) -> (Int64, Int64) {
        if index < subBuckets { return (Int64(index), Int64(index)) }
        let magnitude = (index - subBuckets) / subBuckets + 6
        let sub = (index - subBuckets) % subBuckets
        let shift = magnitude - 6
        let low = Int64(subBuckets + sub) << Int64(shift)
        let high = low + (Int64(1) << Int64(shift)) - 1
        return (low, high)
    }
}
