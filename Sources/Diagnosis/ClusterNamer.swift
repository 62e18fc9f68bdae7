import Features
import HostModel

/// Names a workload cluster from its centroid in the features' own units (DESIGN.md categories).
///
/// The rule (each threshold is per VM per second of window):
/// - **memory**: kvm exits present and EPT violations ≥ 500/s making ≥ 30 % of exits;
/// - **disk**: block requests ≥ 20/s, or ≥ 1 MB/s, or QEMU thread-pool submits ≥ 20/s;
/// - **net**: ≥ 100 packets/s or ≥ 100 kB/s sent and received;
/// - **cpu**: vCPUs wanting a CPU (running, preempted or waiting: 1 − idle share) ≥ 50 % of
///   their time (and not memory): demand, not what neighbours left them;
/// - two or more of cpu / disk / net / memory → **mixed**; exactly one → that one;
/// - none → **idle** when that demand is < 20 %, else **cpu**.
/// Without kvm events memory cannot be told from cpu: such windows are named cpu. On an Intel PT
/// capture (the `pt` group alone) the running share is guest + hypervisor share of the observed
/// vCPU time, and there are no disk or network columns: clusters are cpu or idle only.
public enum ClusterNamer {
    public static func name(centroid: [String: Double]) -> WorkloadCategory {
        func has(_ c: FeatureColumn) -> Bool { centroid[c.name] != nil }
        func v(_ c: FeatureColumn) -> Double { centroid[c.name].map { $0.isFinite ? $0 : 0 } ?? 0 }
        typealias C = FeatureColumn
        let running = has(C.kvmGuestShare) ? v(C.kvmGuestShare) + v(C.kvmHypervisorShare)
            : has(C.ptGuestShare) ? v(C.ptGuestShare) + v(C.ptHypervisorShare) : v(C.schedRunningShare)
        // CPU demand: the time the vCPUs wanted a CPU (running, preempted or waiting for it) — what
        // the guest asks for, whether or not a neighbour (or its own other vCPUs) took the CPU.
        let busy = has(C.schedIdleShare) ? max(running, 1 - v(C.schedIdleShare)) : running
        let exits = v(C.kvmExitsPerSecond)
        let ept = v(C.kvmEPTViolationsPerSecond)
        let memory = ept >= 500 && exits > 0 && ept / exits >= 0.3
        let disk = v(C.blockReadsPerSecond) + v(C.blockWritesPerSecond) >= 20
            || v(C.blockReadBytesPerSecond) + v(C.blockWriteBytesPerSecond) >= 1_000_000
            || v(C.qemuSubmitsPerSecond) >= 20
        let net = v(C.netTxPacketsPerSecond) + v(C.netRxPacketsPerSecond) >= 100
            || v(C.netTxBytesPerSecond) + v(C.netRxBytesPerSecond) >= 100_000
        let cpu = busy >= 0.5 && !memory
        let active = [(WorkloadCategory.cpu, cpu), (.memory, memory), (.disk, disk), (.net, net)].filter(\.1).map(\.0)
        if active.count >= 2 { return .mixed }
        if let only = active.first { return only }
        return busy < 0.2 ? .idle : .cpu
    }
}
