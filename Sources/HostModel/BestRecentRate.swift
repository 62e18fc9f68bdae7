/// How much of its best recent throughput a VM gets now: its rate over the last `smoothing`
/// windows, as a share of the highest such rate over the last `memory` windows (this one
/// included). A victim held back by a neighbour moves less than it did alone, whatever the
/// machine's disks and links can do, so the share carries from one host to another where the
/// absolute rate does not. A VM that asked nothing over the smoothing span lost nothing: 1.
///
/// The smoothing span sums bursts (a TSO segment or a 1 MiB request every few windows) into a
/// rate; the memory is how long a VM's best is remembered, so a workload that changes for good
/// is judged on its new rate after that. Both are causal: the same windows give the same shares
/// in a trace read whole and in a live one.
public struct BestRecentRate: Sendable {
    private var recent: [Int64] = []
    private var recentSum: Int64 = 0
    private var next = 0
    /// (window index, smoothed sum), decreasing sums: the front is the best within the memory.
    private var best: [(index: Int64, sum: Int64)] = []
    private var bestStart = 0

    public init() {}

    /// Adds window `index`'s amount and returns the share of the best recent rate.
    public mutating func push(index: Int64, amount: Int64, smoothing: Int, memory: Int) -> Double {
        let smoothing = max(1, smoothing)
        if recent.count < smoothing {
            recent.append(amount)
        } else {
            recentSum -= recent[next]
            recent[next] = amount
        }
        recentSum += amount
        next = (next + 1) % smoothing
        while best.count > bestStart, best[best.count - 1].sum <= recentSum { best.removeLast() }
        best.append((index, recentSum))
        while index - best[bestStart].index >= Int64(max(1, memory)) { bestStart += 1 }
        if bestStart > 64, bestStart * 2 > best.count {
            best.removeFirst(bestStart)
            bestStart = 0
        }
        let top = best[bestStart].sum
        return recentSum > 0 && top > 0 ? Double(recentSum) / Double(top) : 1
    }
}

/// The shares of their best recent rates a VM's disk requests and network bytes got in a window
/// (`BestRecentRate`): what it could move before, against what it moves now.
public struct ThroughputOfBest: Sendable, Equatable {
    /// Block requests (reads and writes) issued.
    public var diskRequests: Double = 1
    /// Block bytes (read and written) issued.
    public var diskBytes: Double = 1
    /// Network bytes sent.
    public var netTxBytes: Double = 1
    /// Network bytes received.
    public var netRxBytes: Double = 1

    public init() {}
}

/// A VM's `BestRecentRate`s, one per throughput of `ThroughputOfBest`.
struct ThroughputBaselines: Sendable {
    var diskRequests = BestRecentRate()
    var diskBytes = BestRecentRate()
    var netTxBytes = BestRecentRate()
    var netRxBytes = BestRecentRate()

    mutating func push(_ w: VMWindow, smoothing: Int, memory: Int) -> ThroughputOfBest {
        var out = ThroughputOfBest()
        out.diskRequests = diskRequests.push(index: w.index, amount: Int64(w.diskReads + w.diskWrites), smoothing: smoothing, memory: memory)
        out.diskBytes = diskBytes.push(index: w.index, amount: w.diskReadBytes + w.diskWriteBytes, smoothing: smoothing, memory: memory)
        out.netTxBytes = netTxBytes.push(index: w.index, amount: w.netTxBytes, smoothing: smoothing, memory: memory)
        out.netRxBytes = netRxBytes.push(index: w.index, amount: w.netRxBytes, smoothing: smoothing, memory: memory)
        return out
    }
}
