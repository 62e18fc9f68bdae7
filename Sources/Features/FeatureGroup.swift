import HostModel
import TraceIngest

/// A family of feature columns that exists only when the trace has the events behind it
/// (DESIGN.md "Feature groups"). An absent group's columns are absent, never zero.
public enum FeatureGroup: String, CaseIterable, Sendable, Codable {
    case sched, kvm, block, qemu, net, pt

    /// The columns of the group, in schema order (`<group>_<metric>`).
    public var columns: [String] {
        switch self {
        case .sched:
            return ["sched_vcpus", "sched_running_share", "sched_preempted_share", "sched_waiting_share",
                    "sched_idle_share", "sched_preemptions_per_s", "sched_wakeups_per_s", "sched_migrations_per_s",
                    "sched_wait_latency_mean_ms", "sched_wait_latency_p95_ms", "sched_preempted_duration_std_ms",
                    "sched_stolen_by_vm_share", "sched_stolen_by_host_share", "sched_stolen_by_self_share"]
                + WakeCause.allCases.map { "sched_wake_\($0.name)_per_s" }
        case .kvm:
            return ["kvm_guest_share", "kvm_hypervisor_share", "kvm_exits_per_s"]
                + ExitGroup.allCases.map { "kvm_exits_\($0.rawValue)_per_s" }
                + ["kvm_exit_handling_mean_us", "kvm_exit_handling_std_us"]
        case .block:
            return ["block_read_per_s", "block_write_per_s", "block_read_bytes_per_s", "block_write_bytes_per_s",
                    "block_latency_mean_ms", "block_latency_p95_ms", "block_issue_interval_std_ms",
                    "block_complete_interval_std_ms"]
        case .qemu:
            return ["qemu_submits_per_s", "qemu_completes_per_s", "qemu_latency_mean_ms"]
        case .net:
            return ["net_tx_packets_per_s", "net_rx_packets_per_s", "net_tx_bytes_per_s", "net_rx_bytes_per_s",
                    "net_vhost_waiting_share", "net_xmit_wait_mean_ms"]
        case .pt:
            return ["pt_guest_share", "pt_hypervisor_share", "pt_entries_per_s", "pt_guest_run_mean_us",
                    "pt_guest_switches_per_s", "pt_host_preemption_share"]
        }
    }

    /// The groups a trace supports, from the event kinds that occurred in it.
    public static func present(in kinds: Set<EventKind>) -> [FeatureGroup] {
        var groups: [FeatureGroup] = []
        if kinds.contains(.schedSwitch) { groups.append(.sched) }
        if kinds.contains(.kvmEntry) || kinds.contains(.kvmExit) { groups.append(.kvm) }
        if kinds.contains(.blockRqIssue) { groups.append(.block) }
        if kinds.contains(.qemuThreadPoolSubmit) { groups.append(.qemu) }
        if kinds.contains(.netDevXmit) || kinds.contains(.netIfReceiveSkb) || kinds.contains(.netDevQueue) {
            groups.append(.net)
        }
        if kinds.contains(.ptVMEntry) { groups.append(.pt) }
        return groups
    }
}
