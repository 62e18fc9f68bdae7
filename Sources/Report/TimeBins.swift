/// The time axis every lane of a report shares: bins of one width from the trace's first event,
/// at most `capacity` of them. When the trace outgrows them the width doubles and neighbouring
/// bins merge, so memory and drawing stay bounded however long the trace.
public struct TimeBins: Sendable, Equatable {
    public private(set) var originNs: Int64
    public private(set) var widthNs: Int64
    public let capacity: Int

    public init(originNs: Int64, widthNs: Int64 = 1_000_000, capacity: Int = 1000) {
        precondition(widthNs > 0 && capacity >= 2)
        self.originNs = originNs
        self.widthNs = widthNs
        self.capacity = capacity
    }

    /// The bin holding `timeNs` (times before the origin fall in bin 0).
    @inline(__always) public func index(_ timeNs: Int64) -> Int { max(0, Int((timeNs - originNs) / widthNs)) }

    /// Start of bin `i`.
    public func start(_ i: Int) -> Int64 { originNs + Int64(i) * widthNs }

    /// How many times the width must double for `timeNs` to fit (0 when it fits).
    func doublingsNeeded(for timeNs: Int64) -> Int {
        var w = widthNs, n = 0
        while max(0, (timeNs - originNs) / w) >= Int64(capacity) { w *= 2; n += 1 }
        return n
    }

    mutating func double() { widthNs *= 2 }

    /// Calls `body(bin, nanoseconds)` for each bin that [start, end) overlaps.
    @inline(__always) func spread(_ startNs: Int64, _ endNs: Int64, _ body: (Int, Int64) -> Void) {
        guard endNs > startNs else { return }
        var s = max(startNs, originNs)
        guard endNs > s else { return }
        var i = index(s)
        while s < endNs {
            let binEnd = start(i + 1)
            let e = min(endNs, binEnd)
            body(i, e - s)
            s = e
            i += 1
        }
    }
}

/// Merges pairs of neighbouring bins (bin i of the result is bins 2i and 2i+1).
func mergePairs<T>(_ bins: [T], _ combine: (T, T) -> T) -> [T] {
    stride(from: 0, to: bins.count, by: 2).map { i in i + 1 < bins.count ? combine(bins[i], bins[i + 1]) : bins[i] }
}
