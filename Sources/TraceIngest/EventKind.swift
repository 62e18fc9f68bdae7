/// The kinds of event Interfere understands, whatever tracer wrote them.
///
/// Every spelling of EVENTS.md (LTTng 2.5 / 2.8 / 2.9+, perf's `subsystem:name`) maps to one kind;
/// `EventKind.named(_:)` is that mapping. Event classes that map to no kind are counted in the
/// trace inventory and never decoded.
public enum EventKind: UInt8, CaseIterable, Sendable {
    // Scheduling
    case schedSwitch
    case schedWakeup
    case schedWaking
    case schedWakeupNew
    case schedMigrateTask
    case schedProcessFork
    case schedProcessExec
    case schedProcessExit
    case schedProcessFree
    case statedumpProcessState
    // KVM
    case kvmEntry
    case kvmExit
    case kvmUserspaceExit
    case kvmSetIrq
    case kvmMsiSetIrq
    case kvmInjVirq
    case kvmApicIpi
    case kvmVcpuWakeup
    // Block and network
    case blockRqInsert
    case blockRqIssue
    case blockRqComplete
    case netDevQueue
    case netDevXmit
    case netIfReceiveSkb
    /// `sock:sock_send_length` (perf): bytes a task wrote into a socket, in its own context.
    case sockSendLength
    /// `tcp:tcp_probe` (perf): a TCP segment `skbaddr` received by socket `skaddr`.
    case tcpProbe
    // Interrupts
    case irqHandlerEntry
    case irqHandlerExit
    case softirqEntry
    case softirqExit
    case softirqRaise
    // QEMU user space (LTTng-UST)
    case qemuThreadPoolSubmit
    case qemuThreadPoolComplete
    // Derived from Intel PT packets (no OS event behind them)
    case ptVMEntry
    case ptVMExit
    case ptGuestProcessSwitch
    case ptHostProcessSwitch
    case ptGap
    // LTTng VM addons (lttng-vmsync-guest/-host): clock-sync messages between a guest and its host,
    // keyed by (`vm_uid`, `cnt`). gh: sent by the guest (its hypercall), received by the host;
    // hg: sent by the host (at the next kvm entry), received by the guest.
    case vmsyncGHGuest
    case vmsyncGHHost
    case vmsyncHGGuest
    case vmsyncHGHost
    /// The research VM addon's `addons_vcpu_enter_guest` (a probe on KVM's `vcpu_enter_guest`):
    /// the guest's CR3, SP and IP read from the VMCS before each entry, on the vCPU thread.
    case vcpuEnterGuest
    /// `lttng_statedump_vm_map`: one memory map of a process (older lttng-modules statedumps).
    case statedumpVMMap

    /// The kind for an event class name, or `nil` for a class Interfere does not read.
    public static func named(_ name: String) -> EventKind? {
        var base = Substring(name)
        if let colon = base.lastIndex(of: ":") {
            let prefix = base[..<colon]
            if prefix == "qemu" {
                switch base[base.index(after: colon)...] {
                case "thread_pool_submit": return .qemuThreadPoolSubmit
                case "thread_pool_complete": return .qemuThreadPoolComplete
                default: return nil
                }
            }
            base = base[base.index(after: colon)...]
        }
        return byBaseName[String(base)]
    }

    private static let byBaseName: [String: EventKind] = [
        "sched_switch": .schedSwitch,
        "sched_wakeup": .schedWakeup,
        "sched_waking": .schedWaking,
        "sched_wakeup_new": .schedWakeupNew,
        "sched_migrate_task": .schedMigrateTask,
        "sched_process_fork": .schedProcessFork,
        "sched_process_exec": .schedProcessExec,
        "sched_process_exit": .schedProcessExit,
        "sched_process_free": .schedProcessFree,
        "lttng_statedump_process_state": .statedumpProcessState,
        "kvm_entry": .kvmEntry,
        "kvm_x86_entry": .kvmEntry,
        "kvm_exit": .kvmExit,
        "kvm_x86_exit": .kvmExit,
        "kvm_userspace_exit": .kvmUserspaceExit,
        "kvm_set_irq": .kvmSetIrq,
        "kvm_msi_set_irq": .kvmMsiSetIrq,
        "kvm_inj_virq": .kvmInjVirq,
        "kvm_x86_inj_virq": .kvmInjVirq,
        "kvm_apic_ipi": .kvmApicIpi,
        "kvm_x86_apic_ipi": .kvmApicIpi,
        "kvm_vcpu_wakeup": .kvmVcpuWakeup,
        "block_rq_insert": .blockRqInsert,
        "block_rq_issue": .blockRqIssue,
        "block_rq_complete": .blockRqComplete,
        "net_dev_queue": .netDevQueue,
        "net_dev_xmit": .netDevXmit,
        "net_if_receive_skb": .netIfReceiveSkb,
        "netif_receive_skb": .netIfReceiveSkb,
        "sock_send_length": .sockSendLength,
        "tcp_probe": .tcpProbe,
        "irq_handler_entry": .irqHandlerEntry,
        "irq_handler_exit": .irqHandlerExit,
        "irq_softirq_entry": .softirqEntry,
        "softirq_entry": .softirqEntry,
        "irq_softirq_exit": .softirqExit,
        "softirq_exit": .softirqExit,
        "irq_softirq_raise": .softirqRaise,
        "softirq_raise": .softirqRaise,
        "vmsync_gh_guest": .vmsyncGHGuest,
        "vmsync_gh_host": .vmsyncGHHost,
        "vmsync_hg_guest": .vmsyncHGGuest,
        "vmsync_hg_host": .vmsyncHGHost,
        "addons_vcpu_enter_guest": .vcpuEnterGuest,
        "vcpu_enter_guest": .vcpuEnterGuest,
        "lttng_statedump_vm_map": .statedumpVMMap,
    ]
}
