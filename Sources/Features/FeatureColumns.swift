import HostModel
import IntelPT

/// The registry: every feature column, in schema order (group by group). A metric with no sample
/// in the window (no wait, no request) is 0.
extension FeatureColumn {
    private static func w(_ name: String, _ group: FeatureGroup, _ unit: FeatureUnit, _ role: FeatureRole,
                          _ f: @escaping @Sendable (WindowMeasures) -> Double) -> FeatureColumn {
        FeatureColumn(name, group, unit, role, .window(f))
    }

    private static func p(_ name: String, _ unit: FeatureUnit, _ role: FeatureRole,
                          _ f: @escaping @Sendable (PTWindowFeatures.Row) -> Double) -> FeatureColumn {
        FeatureColumn(name, .pt, unit, role, .pt(f))
    }

    // sched: vCPU states from sched_switch / wakeups, and who took the CPU.
    public static let schedVCPUs = w("sched_vcpus", .sched, .count, .demand) { Double($0.window.activeVCPUs.count) }
    public static let schedRunningShare = w("sched_running_share", .sched, .share, .demand) { $0.share($0.window.states.running) }
    public static let schedPreemptedShare = w("sched_preempted_share", .sched, .share, .suffering) { $0.share($0.window.states[.preempted]) }
    public static let schedWaitingShare = w("sched_waiting_share", .sched, .share, .suffering) { $0.share($0.window.states[.waiting]) }
    public static let schedIdleShare = w("sched_idle_share", .sched, .share, .demand) { $0.share($0.window.states[.idle]) }
    public static let schedStolenByVMShare = w("sched_stolen_by_vm_share", .sched, .share, .suffering) {
        $0.share($0.window.stolenByKind[StealerKind.vm.rawValue])
    }
    public static let schedStolenByHostShare = w("sched_stolen_by_host_share", .sched, .share, .suffering) {
        $0.share($0.window.stolenByKind[StealerKind.host.rawValue] + $0.window.stolenByKind[StealerKind.kernel.rawValue])
    }
    /// Self-contention: the VM's own threads (main loop, I/O threads, vhost, other vCPUs) held its
    /// vCPUs' CPU. The VM's own work, not a neighbour: a demand column, never interference.
    public static let schedStolenBySelfShare = w("sched_stolen_by_self_share", .sched, .share, .demand) {
        $0.share($0.window.stolenByKind[StealerKind.same.rawValue])
    }
    static let sched: [FeatureColumn] = [
        schedVCPUs, schedRunningShare, schedPreemptedShare, schedWaitingShare, schedIdleShare,
        w("sched_preemptions_per_s", .sched, .perSecond, .demand) { $0.rate($0.window.preemptions) },
        w("sched_wakeups_per_s", .sched, .perSecond, .demand) { $0.rate($0.window.wakeups) },
        w("sched_migrations_per_s", .sched, .perSecond, .demand) { $0.rate($0.window.migrations) },
        w("sched_wait_latency_mean_ms", .sched, .milliseconds, .suffering) { Stats.mean($0.window.waitLatencies) / 1e6 },
        w("sched_wait_latency_p95_ms", .sched, .milliseconds, .suffering) { Stats.quantile($0.window.waitLatencies, 0.95) / 1e6 },
        w("sched_preempted_duration_std_ms", .sched, .milliseconds, .suffering) {
            Stats.standardDeviation($0.window.preemptedDurations) / 1e6
        },
        schedStolenByVMShare, schedStolenByHostShare, schedStolenBySelfShare,
    ] + WakeCause.allCases.map { cause in
        w("sched_wake_\(cause.name)_per_s", .sched, .perSecond, .demand) { $0.rate($0.window.wakeCauses[cause.rawValue]) }
    }

    // kvm: guest / hypervisor split and exits, from kvm entry/exit.
    public static let kvmGuestShare = w("kvm_guest_share", .kvm, .share, .demand) { $0.share($0.window.states[.guest]) }
    public static let kvmHypervisorShare = w("kvm_hypervisor_share", .kvm, .share, .suffering) { $0.share($0.window.states[.hypervisor]) }
    public static let kvmExitsPerSecond = w("kvm_exits_per_s", .kvm, .perSecond, .demand) { $0.rate($0.window.totalExits) }
    public static let kvmEPTViolationsPerSecond = exits(.eptViolation)
    private static func exits(_ group: ExitGroup) -> FeatureColumn {
        let i = ExitGroup.allCases.firstIndex(of: group)!
        return w("kvm_exits_\(group.rawValue)_per_s", .kvm, .perSecond, .demand) { $0.rate($0.exitsByGroup[i]) }
    }
    static let kvm: [FeatureColumn] = [kvmGuestShare, kvmHypervisorShare, kvmExitsPerSecond]
        + ExitGroup.allCases.map { $0 == .eptViolation ? kvmEPTViolationsPerSecond : exits($0) }
        + [
            w("kvm_exit_handling_mean_us", .kvm, .microseconds, .suffering) {
                $0.window.exitHandling.count > 0 ? $0.window.exitHandling.mean / 1e3 : 0
            },
            w("kvm_exit_handling_std_us", .kvm, .microseconds, .suffering) {
                $0.window.exitHandling.count > 0 ? $0.window.exitHandling.standardDeviation / 1e3 : 0
            },
        ]

    // block: requests issued by the VM's threads, matched to their completions.
    public static let blockReadsPerSecond = w("block_read_per_s", .block, .perSecond, .demand) { $0.rate($0.window.diskReads) }
    public static let blockWritesPerSecond = w("block_write_per_s", .block, .perSecond, .demand) { $0.rate($0.window.diskWrites) }
    public static let blockReadBytesPerSecond = w("block_read_bytes_per_s", .block, .bytesPerSecond, .demand) { $0.rate($0.window.diskReadBytes) }
    public static let blockWriteBytesPerSecond = w("block_write_bytes_per_s", .block, .bytesPerSecond, .demand) { $0.rate($0.window.diskWriteBytes) }
    public static let blockLatencyMean = w("block_latency_mean_ms", .block, .milliseconds, .suffering) { Stats.mean($0.window.diskWaits) / 1e6 }
    static let block: [FeatureColumn] = [
        blockReadsPerSecond, blockWritesPerSecond, blockReadBytesPerSecond, blockWriteBytesPerSecond,
        blockLatencyMean,
        w("block_latency_p95_ms", .block, .milliseconds, .suffering) { Stats.quantile($0.window.diskWaits, 0.95) / 1e6 },
        w("block_issue_interval_std_ms", .block, .milliseconds, .suffering) {
            Stats.standardDeviation(Stats.intervals($0.window.diskIssueTimes)) / 1e6
        },
        w("block_complete_interval_std_ms", .block, .milliseconds, .suffering) {
            Stats.standardDeviation(Stats.intervals($0.window.diskCompleteTimes)) / 1e6
        },
        blockDeviceOthersShare,
        w("block_requests_of_best_share", .block, .share, .suffering) { $0.window.throughputOfBest.diskRequests },
        w("block_bytes_of_best_share", .block, .share, .suffering) { $0.window.throughputOfBest.diskBytes },
    ]
    /// Of the bytes on the devices the VM used over its last windows, the share others moved: who
    /// else was there, as a share, so it carries from one machine's disks to another's.
    public static let blockDeviceOthersShare = w("block_device_others_share", .block, .share, .suffering) {
        $0.window.sharedDisk.othersShare
    }

    // qemu: the thread pool's submits and completions (LTTng-UST).
    public static let qemuSubmitsPerSecond = w("qemu_submits_per_s", .qemu, .perSecond, .demand) { $0.rate($0.window.qemuSubmits) }
    static let qemu: [FeatureColumn] = [
        qemuSubmitsPerSecond,
        w("qemu_completes_per_s", .qemu, .perSecond, .demand) { $0.rate($0.window.qemuCompletes) },
        w("qemu_latency_mean_ms", .qemu, .milliseconds, .suffering) { Stats.mean($0.window.qemuLatencies) / 1e6 },
    ]

    // net: packets sent and received by the VM, vhost's waits, queue → transmit delay.
    public static let netTxPacketsPerSecond = w("net_tx_packets_per_s", .net, .perSecond, .demand) { $0.rate($0.window.netTxPackets) }
    public static let netRxPacketsPerSecond = w("net_rx_packets_per_s", .net, .perSecond, .demand) { $0.rate($0.window.netRxPackets) }
    public static let netTxBytesPerSecond = w("net_tx_bytes_per_s", .net, .bytesPerSecond, .demand) { $0.rate($0.window.netTxBytes) }
    public static let netRxBytesPerSecond = w("net_rx_bytes_per_s", .net, .bytesPerSecond, .demand) { $0.rate($0.window.netRxBytes) }
    /// The mean queue → transmit delay of the VM's packets sent over its last windows (those the
    /// sharing columns sum over): a victim held behind a neighbour's packets sends in bursts, and
    /// the windows between its bursts still show how long its packets wait.
    public static let netXmitWaitMean = w("net_xmit_wait_mean_ms", .net, .milliseconds, .suffering) { $0.window.recentXmitWait.meanNs / 1e6 }
    static let net: [FeatureColumn] = [
        netTxPacketsPerSecond, netRxPacketsPerSecond, netTxBytesPerSecond, netRxBytesPerSecond,
        w("net_vhost_waiting_share", .net, .share, .suffering) {
            $0.window.vhostObservedNs > 0 ? Double($0.window.vhostWaitingNs) / Double($0.window.vhostObservedNs) : 0
        },
        netXmitWaitMean,
        netLinkOthersShare,
        w("net_tx_bytes_of_best_share", .net, .share, .suffering) { $0.window.throughputOfBest.netTxBytes },
        w("net_rx_bytes_of_best_share", .net, .share, .suffering) { $0.window.throughputOfBest.netRxBytes },
    ]
    /// Of the bytes on the links the VM used over its last windows, the share others sent.
    public static let netLinkOthersShare = w("net_link_others_share", .net, .share, .suffering) {
        $0.window.sharedLink.othersShare
    }

    // pt: from an Intel PT capture's packets (no scheduler events).
    public static let ptGuestShare = p("pt_guest_share", .share, .demand) { $0.pt_guest_share }
    public static let ptHypervisorShare = p("pt_hypervisor_share", .share, .suffering) { $0.pt_hypervisor_share }
    /// Kept among the workload columns, as the model was first trained: the host's share on the
    /// vCPU's CPU between an exit and the next entry is what PT shows of the CPU's other users.
    public static let ptHostPreemptionShare = p("pt_host_preemption_share", .share, .demand) { $0.pt_host_preemption_share }
    static let pt: [FeatureColumn] = [
        ptGuestShare, ptHypervisorShare,
        p("pt_entries_per_s", .perSecond, .demand) { $0.pt_entries_per_s },
        p("pt_guest_run_mean_us", .microseconds, .demand) { $0.pt_guest_run_mean_us },
        p("pt_guest_switches_per_s", .perSecond, .demand) { $0.pt_guest_switches_per_s },
        ptHostPreemptionShare,
    ]

    /// Every column, in schema order.
    public static let all: [FeatureColumn] = sched + kvm + block + qemu + net + pt
}
