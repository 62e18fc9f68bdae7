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
    public static func name(centroid: [String: Double]) -> String {
        func v(_ k: String) -> Double { centroid[k].map { $0.isFinite ? $0 : 0 } ?? 0 }
        let running = centroid["kvm_guest_share"] != nil ? v("kvm_guest_share") + v("kvm_hypervisor_share")
            : centroid["pt_guest_share"] != nil ? v("pt_guest_share") + v("pt_hypervisor_share") : v("sched_running_share")
        // CPU demand: the time the vCPUs wanted a CPU (running, preempted or waiting for it) — what
        // the guest asks for, whether or not a neighbour (or its own other vCPUs) took the CPU.
        let busy = centroid["sched_idle_share"] != nil ? max(running, 1 - v("sched_idle_share")) : running
        let exits = v("kvm_exits_per_s")
        let memory = v("kvm_exits_ept_violation_per_s") >= 500 && exits > 0 && v("kvm_exits_ept_violation_per_s") / exits >= 0.3
        let disk = v("block_read_per_s") + v("block_write_per_s") >= 20
            || v("block_read_bytes_per_s") + v("block_write_bytes_per_s") >= 1_000_000
            || v("qemu_submits_per_s") >= 20
        let net = v("net_tx_packets_per_s") + v("net_rx_packets_per_s") >= 100
            || v("net_tx_bytes_per_s") + v("net_rx_bytes_per_s") >= 100_000
        let cpu = busy >= 0.5 && !memory
        let active = [("cpu", cpu), ("memory", memory), ("disk", disk), ("net", net)].filter(\.1).map(\.0)
        if active.count >= 2 { return "mixed" }
        if let only = active.first { return only }
        return busy < 0.2 ? "idle" : "cpu"
    }
}
