import HostModel

/// The ground truth of a simulation, per VM and window: the ns each vCPU spent in each state
/// (summed over the VM's vCPUs), exits by reason name, disk requests and bytes (counted at
/// `block_rq_issue`), packets and bytes sent (at `net_dev_xmit`) and received (at
/// `net_if_receive_skb`). Windows are [i·w, (i+1)·w) on the trace clock, as the features'.
final class TruthRecorder {
    struct Row {
        var states = StateTimes()
        var exits: [String: Int] = [:]
        var diskReads = 0, diskWrites = 0
        var diskReadBytes: Int64 = 0, diskWriteBytes: Int64 = 0
        var netTxPackets = 0, netRxPackets = 0
        var netTxBytes: Int64 = 0, netRxBytes: Int64 = 0
    }

    let windowNs: Int64
    let vmNames: [String]
    private(set) var rows: [Int: [Int64: Row]] = [:]
    private var current: [Int: (state: VCPUState, since: Int64)] = [:]

    init(windowNs: Int64, vmNames: [String], vcpuCounts: [Int]) {
        self.windowNs = windowNs
        self.vmNames = vmNames
    }

    private func window(_ t: Int64) -> Int64 { t / windowNs }

    /// The thread enters `state` at `t`; the time in its previous state is added, window by window.
    func set(vm: Int, state: VCPUState, at t: Int64, thread: Int) {
        if let (previous, since) = current[thread] { add(vm: vm, state: previous, from: since, to: t) }
        current[thread] = (state, t)
    }

    func close(vm: Int, thread: Int, at t: Int64) {
        if let (previous, since) = current[thread] { add(vm: vm, state: previous, from: since, to: t) }
        current[thread] = nil
    }

    private func add(vm: Int, state: VCPUState, from a: Int64, to b: Int64) {
        var start = a
        while start < b {
            let w = window(start)
            let stop = min(b, (w + 1) * windowNs)
            rows[vm, default: [:]][w, default: Row()].states[state] += stop - start
            start = stop
        }
    }

    func exit(vm: Int, reason: String, at t: Int64) { rows[vm, default: [:]][window(t), default: Row()].exits[reason, default: 0] += 1 }

    func disk(vm: Int, write: Bool, bytes: Int64, at t: Int64) {
        if write {
            rows[vm, default: [:]][window(t), default: Row()].diskWrites += 1
            rows[vm, default: [:]][window(t), default: Row()].diskWriteBytes += bytes
        } else {
            rows[vm, default: [:]][window(t), default: Row()].diskReads += 1
            rows[vm, default: [:]][window(t), default: Row()].diskReadBytes += bytes
        }
    }

    func net(vm: Int, tx: Bool, bytes: Int64, at t: Int64) {
        if tx {
            rows[vm, default: [:]][window(t), default: Row()].netTxPackets += 1
            rows[vm, default: [:]][window(t), default: Row()].netTxBytes += bytes
        } else {
            rows[vm, default: [:]][window(t), default: Row()].netRxPackets += 1
            rows[vm, default: [:]][window(t), default: Row()].netRxBytes += bytes
        }
    }

    /// `truth.csv`: a row per VM and window; one `exits_<REASON>` column per reason seen.
    func csv() -> String {
        let reasons = Set(rows.values.flatMap { $0.values.flatMap { $0.exits.keys } }).sorted()
        var out = "vm,start_ns,end_ns,guest_ns,hypervisor_ns,preempted_ns,waiting_ns,idle_ns,"
            + reasons.map { "exits_\($0)," }.joined()
            + "disk_reads,disk_writes,disk_read_bytes,disk_write_bytes,net_tx_packets,net_rx_packets,net_tx_bytes,net_rx_bytes\n"
        for vm in vmNames.indices {
            for (w, r) in (rows[vm] ?? [:]).sorted(by: { $0.key < $1.key }) {
                out += "\(vmNames[vm]),\(w * windowNs),\((w + 1) * windowNs),"
                out += VCPUState.allCases.map { "\(r.states[$0])," }.joined()
                out += reasons.map { "\(r.exits[$0] ?? 0)," }.joined()
                out += "\(r.diskReads),\(r.diskWrites),\(r.diskReadBytes),\(r.diskWriteBytes),\(r.netTxPackets),\(r.netRxPackets),\(r.netTxBytes),\(r.netRxBytes)\n"
            }
        }
        return out
    }
}
