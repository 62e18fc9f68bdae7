import HostModel
import Recording

/// An event key and how often it occurred in a period.
public struct KeyCount: Sendable, Codable, Equatable {
    public var key: String
    public var count: Int
}

/// An event key, its rate in the period and in the VM's quiet windows, and their smoothed ratio.
public struct KeyScore: Sendable, Codable, Equatable {
    public var key: String
    public var count: Int
    public var ratePerSecond: Double
    public var quietRatePerSecond: Double
    public var ratio: Double
}

/// Ranks the event keys of a period (issue #6): the most frequent (the research's method), and
/// the most over-represented against the same VM's quiet windows, by the smoothed ratio
/// (rate in period + α) / (rate when quiet + α), α = `smoothing` events/s, so a key frequent
/// everywhere does not win. Keys counted fewer than `minimumCount` times in the period are not
/// ranked as over-represented.
///
/// Besides the VM's own keys (exits, preempted_by, waited_for, its block and net traffic,
/// interrupts on its CPUs), each window adds the other issuers' requests on the block devices the
/// VM used (`block <dev> by <issuer>`) and the other senders' packets on its links
/// (`net <dev> by <sender>`), so that disk and network contention have a key that names the culprit.
public struct RootCauseRanker: Sendable {
    public var top: Int
    public var smoothing: Double
    public var minimumCount: Int

    public init(top: Int = 5, smoothing: Double = 1.0, minimumCount: Int = 3) {
        self.top = top
        self.smoothing = smoothing
        self.minimumCount = minimumCount
    }

    /// All keys of one window, including the shared-device keys.
    public static func keys(of w: WindowEvidence) -> [String: Int] {
        var keys: [String: Int] = [:]
        var devices = Set<String>()
        for (key, n) in w.keys {
            keys[key.description, default: 0] += n
            if key.category == .block, let device = key.detail.split(separator: " ").first { devices.insert(String(device)) }
        }
        for (device, issuers) in w.diskRequests where devices.contains(device) || issuers[w.vm] != nil {
            for (issuer, n) in issuers where issuer != w.vm { keys["block \(device) by \(issuer)", default: 0] += n }
        }
        for (device, senders) in w.netPackets where senders[w.vm] != nil {
            for (sender, n) in senders where sender != w.vm { keys["net \(device) by \(sender)", default: 0] += n }
        }
        return keys
    }

    public func rank(period: [WindowEvidence], quiet: [WindowEvidence]) -> (frequent: [KeyCount], overRepresented: [KeyScore]) {
        let (inQuiet, quietSeconds) = Self.totals(quiet)
        return rank(period: period, quietKeys: inQuiet, quietSeconds: quietSeconds)
    }

    /// The keys counted over `windows` and their seconds (summed in order).
    public static func totals(_ windows: some Collection<WindowEvidence>) -> (keys: [String: Int], seconds: Double) {
        var counts: [String: Int] = [:]
        var seconds = 0.0
        for w in windows {
            for (k, n) in keys(of: w) { counts[k, default: 0] += n }
            seconds += w.seconds
        }
        return (counts, seconds)
    }

    /// `rank(period:quiet:)` with the quiet windows' `totals` made once (a VM's quiet windows are
    /// the same for each of its periods).
    public func rank(period: some Collection<WindowEvidence>, quietKeys inQuiet: [String: Int], quietSeconds: Double)
        -> (frequent: [KeyCount], overRepresented: [KeyScore]) {
        var inPeriod: [String: Int] = [:]
        var periodSeconds = 0.0
        for w in period {
            for (k, n) in Self.keys(of: w) { inPeriod[k, default: 0] += n }
            periodSeconds += w.seconds
        }
        periodSeconds = max(1e-9, periodSeconds)
        let frequent = inPeriod.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(top).map { KeyCount(key: $0.key, count: $0.value) }
        let scored = inPeriod.filter { $0.value >= minimumCount }.map { key, n -> KeyScore in
            let rate = Double(n) / periodSeconds
            let quietRate = quietSeconds > 0 ? Double(inQuiet[key] ?? 0) / quietSeconds : 0
            return KeyScore(key: key, count: n, ratePerSecond: rate, quietRatePerSecond: quietRate,
                            ratio: (rate + smoothing) / (quietRate + smoothing))
        }
        let over = scored.sorted { $0.ratio != $1.ratio ? $0.ratio > $1.ratio : $0.key < $1.key }.prefix(top)
        return (frequent, Array(over))
    }
}
