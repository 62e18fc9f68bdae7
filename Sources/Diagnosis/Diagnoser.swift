import HostModel
import Recording
/// One diagnosed period: when, what kind, why (both key lists), who, and what to do.
public struct PeriodReport: Sendable, Codable, Equatable {
    public var period: InterferencePeriod
    public var frequentKeys: [KeyCount]
    public var overRepresentedKeys: [KeyScore]
    public var culprit: Culprit
    public var action: Action
}

/// Turns window scores and the trace's evidence into explained periods (issue #6).
public struct Diagnoser: Sendable {
    public var detector: PeriodDetector
    public var ranker: RootCauseRanker
    public var finder: CulpritFinder

    public init(detector: PeriodDetector = .init(), ranker: RootCauseRanker = .init(), finder: CulpritFinder = .init()) {
        self.detector = detector
        self.ranker = ranker
        self.finder = finder
    }

    public func diagnose<E: EvidenceWindows>(scores: [WindowScore], evidence: E) -> [PeriodReport] {
        diagnosis(scores: scores, evidence: evidence).reports
    }

    /// The explained periods, and the window scores as the diagnosis leaves them: the windows of
    /// a disk or net period that `withoutSaturators` dropped (the VM saturated the device or link,
    /// or no one else used it) are not interfered with, so their probability becomes 0, as the
    /// evidence gate does for a window on its own: a VM's windows and its periods say the same.
    /// The evidence is read window by window (`EvidenceWindows`: it may be on disk), each VM's
    /// quiet windows once.
    public func diagnosis<E: EvidenceWindows>(scores: [WindowScore], evidence: E) -> (reports: [PeriodReport], settled: [WindowScore]) {
        let periods = detector.periods(scores)
        let indices = Dictionary(grouping: evidence.indices, by: { evidence.head(at: $0).vm })
        var quietByVM: [String: (keys: [String: Int], seconds: Double)] = [:]
        let reports = periods.map { period in
            let windows = indices[period.vm] ?? []
            let inside = windows.filter { i in
                let h = evidence.head(at: i)
                return h.startNs >= period.startNs && h.endNs <= period.endNs
            }.lazy.map { evidence[$0] }
            if quietByVM[period.vm] == nil {
                let otherPeriods = periods.filter { $0.vm == period.vm }
                let quiet = windows.filter { i in
                    let w = evidence.head(at: i)
                    return !otherPeriods.contains { w.endNs > $0.startNs && w.startNs < $0.endNs }
                }
                quietByVM[period.vm] = RootCauseRanker.totals(quiet.lazy.map { evidence[$0] })
            }
            let (frequent, over) = ranker.rank(period: inside, quietKeys: quietByVM[period.vm]!.keys, quietSeconds: quietByVM[period.vm]!.seconds)
            let culprit = finder.culprit(of: period, windows: inside)
            return PeriodReport(period: period, frequentKeys: frequent, overRepresentedKeys: over, culprit: culprit,
                                action: ActionAdvisor.action(for: period, culprit: culprit))
        }
        // A VM's windows within [from, to], each read only once its head says it is inside.
        let kept = Self.withoutSaturators(reports) { vm, from, to, body in
            for i in indices[vm] ?? [] {
                let h = evidence.head(at: i)
                guard h.startNs >= from, h.endNs <= to else { continue }
                if !body(evidence[i]) { return }
            }
        }
        let dropped = periods.filter { d in !kept.contains { $0.period == d } }
        guard !dropped.isEmpty else { return (kept, scores) }
        let settled = scores.map { s in
            var s = s
            if dropped.contains(where: { $0.vm == s.vm && s.startNs >= $0.startNs && s.endNs <= $0.endNs }) { s.probability = 0 }
            return s
        }
        return (kept, settled)
    }

    /// A VM that saturates a device or link is the culprit there, not the victim of the VM it
    /// crushes: when two VMs' disk (net) periods name each other as culprit on the same resource,
    /// and they overlap or follow each other within `contentionGapNs` (a saturator's backlog still
    /// drains after it stops asking, and the one it held back catches up), they are one contention:
    /// the VM that made more of the bytes on it over that whole contention loses its periods in it
    /// (both keep theirs when the bytes are equal). A disk (net) period in which no one else used
    /// the VM's devices (links) at all is dropped too: no tenant interfered.
    /// `inside(vm, from, to, body)` gives `body` each of the VM's windows within [from, to] until
    /// `body` returns false.
    static func withoutSaturators(_ reports: [PeriodReport], contentionGapNs: Int64 = 1_000_000_000,
                                  inside: (String, Int64, Int64, (WindowEvidence) -> Bool) -> Void) -> [PeriodReport] {
        var dropped = Set<Int>()
        struct ContentionKey: Hashable { var vm: String, disk: Bool, device: String, from: Int64, to: Int64 }
        var bytes: [ContentionKey: [String: Int64]] = [:]
        func blames(_ r: PeriodReport, _ kind: InterferenceKind, _ resource: Resource) -> (vm: String, culprit: String)? {
            guard r.period.kind == kind, r.culprit.resource == resource, let c = r.culprit.name else { return nil }
            return (r.period.vm, c)
        }
        for (i, a) in reports.enumerated() where a.period.kind == .disk || a.period.kind == .net {
            // Alone on the device (link) for the whole period: busy, not interfered with by anyone.
            if a.culprit.name == nil, a.culprit.others.isEmpty, a.culprit.share == 0,
               !neighboursUsed(a, inside: inside) {
                dropped.insert(i)
                continue
            }
            guard let b = a.culprit.name else { continue }
            // The contention: the periods in which a blames b or b blames a on this resource,
            // chained by overlaps or gaps of at most `contentionGapNs`, starting from a.
            let pair = reports.indices.filter { j in
                guard let x = blames(reports[j], a.period.kind, a.culprit.resource) else { return false }
                return (x.vm == a.period.vm && x.culprit == b) || (x.vm == b && x.culprit == a.period.vm)
            }
            var chain = [i], from = a.period.startNs, to = a.period.endNs
            var grew = true
            while grew {
                grew = false
                for j in pair where !chain.contains(j)
                    && reports[j].period.startNs <= to + contentionGapNs && reports[j].period.endNs + contentionGapNs >= from {
                    chain.append(j)
                    from = min(from, reports[j].period.startNs); to = max(to, reports[j].period.endNs)
                    grew = true
                }
            }
            guard chain.contains(where: { reports[$0].period.vm == b }) else { continue }
            // Judged over the whole contention, not one burst.
            // Each user's bytes on the device over the contention, summed once per contention
            // (its other periods share it; the windows may have to be read back from disk).
            let device = a.culprit.resource.device ?? ""
            let key = ContentionKey(vm: a.period.vm, disk: a.period.kind == .disk, device: device, from: from, to: to)
            if bytes[key] == nil {
                var sums: [String: Int64] = [:]
                inside(a.period.vm, from, to) { w in
                    for (user, n) in (key.disk ? w.diskBytes : w.netBytes)[device] ?? [:] { sums[user, default: 0] += n }
                    return true
                }
                bytes[key] = sums
            }
            if bytes[key]![a.period.vm] ?? 0 > bytes[key]![b] ?? 0 { dropped.insert(i) }
        }
        return reports.enumerated().filter { !dropped.contains($0.offset) }.map(\.element)
    }

    /// Whether anyone but the VM (unattributed bytes aside) used the devices (links) it used, in
    /// the period's windows.
    static func neighboursUsed(_ r: PeriodReport, inside: (String, Int64, Int64, (WindowEvidence) -> Bool) -> Void) -> Bool {
        var used = false
        inside(r.period.vm, r.period.startNs, r.period.endNs) { w in
            let usage = r.period.kind == .disk ? w.diskBytes : w.netBytes
            used = usage.values.contains { users in users[r.period.vm] != nil && users.contains { $0.key != r.period.vm && $0.value > 0 } }
            return !used
        }
        return used
    }
}
