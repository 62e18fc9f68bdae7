import HostModel
import Recording

/// A domain rule applied to the classifier's window scores: interference needs a resource the VM
/// uses and someone else using it. A window scored as disk (net) interference keeps its
/// probability only if, in it or in the `memory` windows before it (requests may all be stuck),
/// the VM issued block requests (sent or received packets) and another issuer (sender) used one
/// of those devices (links); a window scored as CPU interference only if others held its CPU for
/// at least `minimumStolenShare` of its vCPU time. Otherwise its probability becomes 0 (a VM that
/// saturates a device alone is not interfered with; the model may still say it is busy). Memory
/// interference is not gated (the host cannot see guest memory use). A VM that made at least
/// `dominantShare` of the bytes on the devices (links) it used, over its last `memory` windows
/// (the latest span with any), is the one saturating them: its disk (net) windows become 0 as
/// well (the culprit, not a victim). Bytes no owner was found for count for nobody.
public struct EvidenceGate: Sendable, Codable, Equatable {
    public var memory: Int
    public var minimumStolenShare: Double
    public var dominantShare: Double
    /// The windows a device or link stays a VM's after it last moved bytes on it (as the sharing
    /// columns' `HostModelConfiguration.sharingAssociation`).
    public var association: Int

    public init(memory: Int = 10, minimumStolenShare: Double = 0.01, dominantShare: Double = 0.6, association: Int = 50) {
        self.memory = memory
        self.association = association
        self.minimumStolenShare = minimumStolenShare
        self.dominantShare = dominantShare
    }

    /// The windows before a window (and it) that its verdict reads: a scorer that sees a trace's
    /// windows as they close keeps this many per VM to gate as the whole trace would.
    public var lookBack: Int { max(4 * memory, memory + association) + 1 }

    /// The VM's share of the bytes on the devices (links) it used in the window; nil when none.
    static func ownShare(_ bytes: [String: [String: Int64]], vm: String) -> Double? {
        let (own, all) = ownBytes(bytes, vm: vm)
        return all > 0 ? Double(own) / Double(all) : nil
    }

    /// The VM's bytes and everyone's on the devices (links) it used in one window.
    static func ownBytes(_ bytes: [String: [String: Int64]], vm: String) -> (own: Int64, all: Int64) {
        var own: Int64 = 0, all: Int64 = 0
        for users in bytes.values where users[vm] != nil {
            own += users[vm]!
            all += users.values.reduce(0, +)
        }
        return (own, all)
    }

    public func apply<E: EvidenceWindows>(_ scores: [WindowScore], evidence: E) -> [WindowScore] {
        let byVM = Dictionary(grouping: evidence.indices, by: { evidence.head(at: $0).vm })
            .mapValues { $0.sorted { evidence.head(at: $0).startNs < evidence.head(at: $1).startNs } }
        var lastDisk: [String: Int64] = [:], lastNet: [String: Int64] = [:]
        var used: [String: (disk: Set<Int64>, net: Set<Int64>)] = [:]
        for (vm, windows) in byVM {
            var disk = Set<Int64>(), net = Set<Int64>()
            var diskShare = 0.0, netShare = 0.0
            // The VM's share of the bytes on the devices (links) it used, summed over the last
            // `memory` windows, the windows it moved nothing in included (a device or link stays
            // the VM's for `association` windows): a sender whose traffic comes in bursts (a TSO
            // segment of 64 KB every few windows) is judged on its rate, not on the window it
            // happened to hit, and a victim held back by a newcomer stops being "most of the
            // bytes" as soon as the newcomer's bytes are, even while it sends nothing.
            var diskUse = TrailingSharedUse(), netUse = TrailingSharedUse()
            for i in windows {
                let w = evidence[i]
                let index = w.endNs > w.startNs ? w.startNs / (w.endNs - w.startNs) : 0
                diskShare = diskUse.push(index: index, user: vm, bytes: w.diskBytes, memory: memory, association: association).ownShare ?? diskShare
                netShare = netUse.push(index: index, user: vm, bytes: w.netBytes, memory: memory, association: association).ownShare ?? netShare
                let sharedDisk = w.diskRequests.values.contains { $0[vm] != nil && $0.keys.contains { $0 != vm } }
                let sharedLink = w.netPackets.values.contains { $0[vm] != nil && $0.keys.contains { $0 != vm } }
                    || (w.keys.keys.contains(where: { $0.category == .net }) && w.netPackets.values.contains { $0.keys.contains { $0 != vm } })
                if w.keys.keys.contains(where: { $0.category == .block }) && sharedDisk { lastDisk[vm] = w.startNs }
                if w.keys.keys.contains(where: { $0.category == .net }) && sharedLink { lastNet[vm] = w.startNs }
                let horizon = Int64(memory) * (w.endNs - w.startNs)
                if let d = lastDisk[vm], w.startNs - d <= horizon, diskShare < dominantShare { disk.insert(w.startNs) }
                if let n = lastNet[vm], w.startNs - n <= horizon, netShare < dominantShare { net.insert(w.startNs) }
            }
            used[vm] = (disk, net)
        }
        let index = Dictionary(uniqueKeysWithValues: evidence.indices.map { i in
            let h = evidence.head(at: i)
            return ("\(h.vm)@\(h.startNs)", i)
        })
        return scores.map { s in
            var s = s
            let u = used[s.vm]
            switch s.kind {
            case .disk: if u?.disk.contains(s.startNs) != true { s.probability = 0 }
            case .net: if u?.net.contains(s.startNs) != true { s.probability = 0 }
            case .cpu:
                if let i = index["\(s.vm)@\(s.startNs)"] {
                    let w = evidence[i]
                    let stolen = w.stolenByName.filter { $0.key != s.vm }.values.reduce(0, +)
                    if Double(stolen) < minimumStolenShare * Double(max(1, w.vcpuNs)) { s.probability = 0 }
                }
            case .none, .memory: break
            }
            return s
        }
    }
}
