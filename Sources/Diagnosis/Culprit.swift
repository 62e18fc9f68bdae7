import Recording

/// Who caused a period, with the numbers that show it, or the statement that nobody stands out.
public struct Culprit: Sendable, Codable, Equatable {
    /// The VM name or host process; nil when no single one stands out.
    public var name: String?
    /// Its share of the contended resource during the period (0...1).
    public var share: Double
    /// What was shared: the CPU, a block device or a link.
    public var resource: Resource
    /// The sentence with the numbers.
    public var evidence: String
    /// The next contenders, by share.
    public var others: [Contender]

    /// A contender and its share.
    public struct Contender: Sendable, Codable, Equatable {
        public var name: String
        public var share: Double
    }
}

/// Names the culprit of a period from the evidence (issue #6): for CPU (and memory) interference,
/// the task that held the victim's CPU while its vCPUs were preempted or waiting, by share of that
/// stolen time; for disk, the other issuer with the largest share of the bytes requested on the
/// block devices the victim used (the device's busy time follows bytes, not request counts); for
/// network, the other sender with the largest share of the bytes on the victim's links. The top contender is the culprit when its share is at least `dominance`.
public struct CulpritFinder: Sendable {
    public var dominance: Double
    /// For disk and network: the least share of the device a neighbour must have to be blamed.
    public var minimumShare: Double

    /// For CPU: the least share of the VM's vCPU time in the period others must have held its CPU
    /// for any of them to be blamed (the `EvidenceGate`'s window rule, over the whole period).
    public var minimumStolenShare: Double

    public init(dominance: Double = 0.5, minimumShare: Double = 0.2, minimumStolenShare: Double = 0.01) {
        self.dominance = dominance
        self.minimumShare = minimumShare
        self.minimumStolenShare = minimumStolenShare
    }

    public func culprit(of period: InterferencePeriod, windows: some Collection<WindowEvidence>) -> Culprit {
        switch Resource(contendedBy: period.kind) {
        case .disk: return shared(windows, vm: period.vm, what: .disk(device: nil)) { w in
            var devices = Set(w.keys.keys.filter { $0.category == .block }.compactMap { $0.detail.split(separator: " ").first.map(String.init) })
            for (device, issuers) in w.diskRequests where issuers[w.vm] != nil { devices.insert(device) }
            return w.diskBytes.filter { devices.contains($0.key) }.mapValues { $0.mapValues(Double.init) }
        }
        case .link: return shared(windows, vm: period.vm, what: .link(device: nil)) { w in
            var links = w.netBytes.filter { $0.value[w.vm] != nil }.mapValues { $0.mapValues(Double.init) }
            // Bytes tied to no owner count in the link's total, for nobody.
            for (link, bytes) in w.netUnattributedBytes where links[link] != nil { links[link]![Self.unattributed] = Double(bytes) }
            return links
        }
        case .cpu: return cpu(windows, vm: period.vm)
        }
    }

    /// The sender name under which a link's unattributed bytes are counted (never a culprit).
    static let unattributed = "(unattributed)"

    /// Every number comes from the same windows (those of the period): the time others held the
    /// CPU, the time the vCPUs were preempted or waiting (at least the former: held time is
    /// waiting time), and the vCPU time (at least the latter), so X ≤ Y holds in "X s of the Y s"
    /// and every share is at most 100 %.
    private func cpu(_ windows: some Collection<WindowEvidence>, vm: String) -> Culprit {
        var stolen: [String: Double] = [:]
        var waited: Int64 = 0, vcpu: Int64 = 0
        for w in windows {
            waited += max(0, w.waitedNs)
            vcpu += max(0, w.vcpuNs)
            for (name, ns) in w.stolenByName where name != vm && ns > 0 { stolen[name, default: 0] += Double(ns) }
        }
        let total = stolen.values.reduce(0, +)
        let waitedNs = max(Double(waited), total)
        let vcpuNs = max(Double(vcpu), waitedNs)
        let ranking = Ranking(stolen, total: total)
        guard let top = ranking.top, total > 0 else {
            return Culprit(name: nil, share: 0, resource: .cpu,
                           evidence: "no other task held \(vm)'s CPUs while its vCPUs waited", others: [])
        }
        let share = top.value / total
        let others = ranking.runnersUp
        let seconds = String(format: "%.2f", top.value / 1e9)
        let waitedSeconds = String(format: "%.2f", waitedNs / 1e9)
        if total < minimumStolenShare * vcpuNs {
            return Culprit(name: nil, share: 0, resource: .cpu,
                           evidence: "others held \(vm)'s CPUs for only \(String(format: "%.2f", total / 1e9)) s of its \(String(format: "%.2f", vcpuNs / 1e9)) s of vCPU time (\(percent(total / vcpuNs))): no neighbour took its CPU",
                           others: [])
        }
        if share >= dominance {
            return Culprit(name: top.key, share: share, resource: .cpu,
                           evidence: "\(top.key) held the CPU for \(seconds) s of the \(waitedSeconds) s \(vm)'s vCPUs were preempted or waiting (\(percent(share)) of the time taken by others)",
                           others: others)
        }
        return Culprit(name: nil, share: share, resource: .cpu,
                       evidence: "no single culprit: \(top.key) took \(percent(share)) of \(vm)'s stolen CPU time, \(ranking.runnersUpText)",
                       others: ranking.contenders)
    }

    private func shared(_ windows: some Collection<WindowEvidence>, vm: String, what resource: Resource,
                        usage: (WindowEvidence) -> [String: [String: Double]]) -> Culprit {
        let what = resource.noun
        var byDevice: [String: [String: Double]] = [:]
        for w in windows {
            for (device, users) in usage(w) {
                for (user, amount) in users { byDevice[device, default: [:]][user, default: 0] += amount }
            }
        }
        // The busiest shared device decides.
        guard let (device, users) = byDevice.max(by: { $0.value.values.reduce(0, +) < $1.value.values.reduce(0, +) }) else {
            return Culprit(name: nil, share: 0, resource: resource, evidence: "\(vm) used no \(what) in this period", others: [])
        }
        let total = users.values.reduce(0, +)
        let own = users[vm] ?? 0
        let unowned = users[Self.unattributed] ?? 0
        let othersTotal = total - own - unowned
        let unownedNote = unowned <= 0 ? "" : unowned / total < 0.005 ? "; unattributed < 1 %" : "; unattributed \(percent(unowned / total))"
        let ranking = Ranking(users.filter { $0.key != vm && $0.key != Self.unattributed }, total: total)
        let unit = "bytes"
        guard let top = ranking.top, total > 0, top.value / total >= minimumShare else {
            return Culprit(name: nil, share: 0, resource: resource.on(device),
                           evidence: "\(vm) made \(percent(total > 0 ? own / total : 1)) of the \(unit) on \(what) \(device): it interferes with itself\(unownedNote)", others: [])
        }
        let share = top.value / total
        let others = ranking.runnersUp
        if top.value / othersTotal >= dominance {
            return Culprit(name: top.key, share: share, resource: resource.on(device),
                           evidence: "\(top.key) made \(percent(share)) of the \(unit) on \(what) \(device) (\(percent(top.value / othersTotal)) of the neighbours'; \(vm) \(percent(own / total))\(unownedNote))",
                           others: others)
        }
        return Culprit(name: nil, share: share, resource: resource.on(device),
                       evidence: "no single culprit on \(what) \(device): \(top.key) \(percent(share)), \(ranking.runnersUpText); \(vm) \(percent(own / total))\(unownedNote)",
                       others: ranking.contenders)
    }
}

/// Contenders for a resource ranked by amount (ties by name), with their shares of `total`: the
/// one ranking both the CPU and the device/link culprits read.
private struct Ranking {
    let ranked: [(key: String, value: Double)]
    let total: Double

    init(_ amounts: [String: Double], total: Double) {
        ranked = amounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        self.total = total
    }

    var top: (key: String, value: Double)? { ranked.first }
    /// The three after the top one.
    var runnersUp: [Culprit.Contender] { ranked.dropFirst().prefix(3).map { Culprit.Contender(name: $0.key, share: $0.value / total) } }
    /// The top one and the runners-up ("no single culprit": all of them are listed).
    var contenders: [Culprit.Contender] {
        guard let top else { return [] }
        return [Culprit.Contender(name: top.key, share: top.value / total)] + runnersUp
    }
    var runnersUpText: String { runnersUp.map { "\($0.name) \(percent($0.share))" }.joined(separator: ", ") }
}

func percent(_ x: Double) -> String { String(format: "%.0f %%", 100 * x) }
