import Foundation
import HostModel

/// What one VM's window holds for explaining interference: its event keys, who held its CPU while
/// it waited, and, host-wide, who used the block devices and links.
public struct WindowEvidence: Sendable {
    public var vm: String
    public var startNs: Int64
    public var endNs: Int64
    /// Observed seconds of the window.
    public var seconds: Double
    public var keys: [EventKey: Int]
    /// ns the VM's vCPUs were preempted or waiting, by who else held the CPU (not its own threads).
    public var stolenByName: [String: Int64]
    /// ns the VM's vCPUs were preempted or waiting in all.
    public var waitedNs: Int64
    /// vCPU time observed, ns.
    public var vcpuNs: Int64
    /// Block requests issued on each device by each issuer (VM name or host process).
    public var diskRequests: [String: [String: Int]]
    public var diskBytes: [String: [String: Int64]]
    /// Bytes and packets sent on each network device by each sender.
    public var netBytes: [String: [String: Int64]]
    public var netPackets: [String: [String: Int]]
    /// Bytes sent on each network device that no owner could be found for (host-wide).
    public var netUnattributedBytes: [String: Int64]
    /// Mean issue → complete latency of the VM's requests, ms (0 without requests).
    public var diskLatencyMs: Double
    /// Mean queue → transmit delay of the VM's packets, ms (0 without).
    public var xmitDelayMs: Double

    public init(vm: String, startNs: Int64, endNs: Int64, seconds: Double, keys: [EventKey: Int], stolenByName: [String: Int64], waitedNs: Int64, vcpuNs: Int64, diskRequests: [String: [String: Int]], diskBytes: [String: [String: Int64]], netBytes: [String: [String: Int64]], netPackets: [String: [String: Int]], diskLatencyMs: Double, xmitDelayMs: Double, netUnattributedBytes: [String: Int64] = [:]) {
        self.netUnattributedBytes = netUnattributedBytes
        self.vm = vm
        self.startNs = startNs
        self.endNs = endNs
        self.seconds = seconds
        self.keys = keys
        self.stolenByName = stolenByName
        self.waitedNs = waitedNs
        self.vcpuNs = vcpuNs
        self.diskRequests = diskRequests
        self.diskBytes = diskBytes
        self.netBytes = netBytes
        self.netPackets = netPackets
        self.diskLatencyMs = diskLatencyMs
        self.xmitDelayMs = xmitDelayMs
    }
}

/// Collects `WindowEvidence` from a host model run (subscribe `vmWindow` and `hostWindow`).
///
/// Each VM window is reduced at once to what diagnosis reads (its keys, who held its CPU, its
/// state totals and mean latencies): a window's per-event arrays are not kept, so memory grows
/// with the windows' keys, not with the trace's events.
public final class EvidenceCollector {
    public private(set) var evidence: [WindowEvidence] = []
    private struct Pending {
        var vm: Int, index: Int64, startNs: Int64, endNs: Int64, seconds: Double
        var keys: [EventKey: Int], stolenByName: [String: Int64]
        var waitedNs: Int64, vcpuNs: Int64, diskLatencyMs: Double, xmitDelayMs: Double
    }
    private var pending: [Pending] = []
    private var hostWindows: [Int64: HostWindow] = [:]
    /// With a spool: every window written to it as it closes (`store`), only its head kept.
    private let file: EvidenceFile?
    private var heads: [EvidenceFile.Head] = []
    /// The evidence as `finish` left it: `evidence` in memory, or read back from the spool.
    public private(set) var store: EvidenceStore = []

    /// Evidence kept in memory (`evidence`).
    public init() { file = nil }

    /// Evidence parked in a private temporary file made in `spool` (removed at once: nothing is
    /// left on disk), read back through `store`; `evidence` stays empty.
    public init(spool: URL) throws { file = try EvidenceFile(directory: spool) }

    public func vmWindow(_ w: VMWindow) {
        guard w.observedEndNs > w.observedStartNs else { return }
        func mean(_ xs: [Int64]) -> Double { xs.isEmpty ? 0 : Double(xs.reduce(0, +)) / Double(xs.count) / 1e6 }
        if let file {
            heads.append(file.append(vm: w.vm, startNs: w.startNs, endNs: w.endNs, seconds: w.seconds, hostWindow: w.index,
                                     keys: w.keys, stolenByName: w.stolenByName,
                                     waitedNs: w.states[.preempted] + w.states[.waiting], vcpuNs: w.states.total,
                                     diskLatencyMs: mean(w.diskLatencies), xmitDelayMs: mean(w.xmitDelays)))
            return
        }
        pending.append(Pending(vm: w.vm, index: w.index, startNs: w.startNs, endNs: w.endNs, seconds: w.seconds,
                               keys: w.keys, stolenByName: w.stolenByName,
                               waitedNs: w.states[.preempted] + w.states[.waiting], vcpuNs: w.states.total,
                               diskLatencyMs: mean(w.diskLatencies), xmitDelayMs: mean(w.xmitDelays)))
    }

    public func hostWindow(_ w: HostWindow) {
        if let file { file.append(w) } else { hostWindows[w.index] = w }
    }

    /// Resolves VM names once the run is over (names may be learnt late). The VM windows of one
    /// host window share its tables (one copy of the unattributed bytes per host window, not per
    /// VM window). With a spool, throws the first write of it that failed (a full disk).
    public func finish(vmNames: [String]) throws {
        if let file {
            try file.flush()
            store = EvidenceStore(file: file, heads: heads, vmNames: vmNames)
            heads = []
            return
        }
        defer { store = EvidenceStore(evidence) }
        var unattributed: [Int64: [String: Int64]] = [:]
        evidence = []
        evidence.reserveCapacity(pending.count)
        for p in pending {
            let host = hostWindows[p.index]
            var unowned: [String: Int64] = [:]
            if let host, !host.netUnattributed.isEmpty {
                if let made = unattributed[p.index] { unowned = made } else {
                    unowned = host.netUnattributed.mapValues(\.txBytes)
                    unattributed[p.index] = unowned
                }
            }
            evidence.append(WindowEvidence(
                vm: vmNames[p.vm], startNs: p.startNs, endNs: p.endNs, seconds: p.seconds, keys: p.keys,
                stolenByName: p.stolenByName, waitedNs: p.waitedNs, vcpuNs: p.vcpuNs,
                diskRequests: host?.diskRequests ?? [:], diskBytes: host?.diskBytes ?? [:], netBytes: host?.netBytes ?? [:],
                netPackets: host?.netPackets ?? [:], diskLatencyMs: p.diskLatencyMs, xmitDelayMs: p.xmitDelayMs,
                netUnattributedBytes: unowned))
        }
        pending = []
        hostWindows = [:]
    }
}
