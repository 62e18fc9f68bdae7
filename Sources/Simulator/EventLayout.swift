import TraceIngest

/// How one event kind is written in LTTng's CTF: its event name and payload fields (EVENTS.md,
/// LTTng column), each filled from a slot of the normalized `Event`.
struct EventLayout {
    enum FieldType { case signed, unsigned, string, rwbsBits }

    struct Field {
        var name: String
        var type: FieldType
        var value: (Event) -> Int64
        var text: (Event, StringTable) -> String
    }

    var name: String
    var fields: [Field]
    /// Written to the UST (QEMU) trace rather than the kernel trace.
    var userSpace = false
    /// An LTTng VM addons event (`vmsync_*`): declared only in traces asked to carry them.
    var sync = false
    /// The research addon's `addons_vcpu_enter_guest`: declared only in traces asked to carry it.
    var enterGuest = false
    /// `lttng_statedump_vm_map` (a guest's statedump): declared only in traces asked to carry it.
    var vmMaps = false

    static func int(_ name: String, _ value: @escaping (Event) -> Int64) -> Field {
        Field(name: name, type: .signed, value: value, text: { _, _ in "" })
    }

    static func uint(_ name: String, _ value: @escaping (Event) -> Int64) -> Field {
        Field(name: name, type: .unsigned, value: value, text: { _, _ in "" })
    }

    static func string(_ name: String, _ text: @escaping (Event, StringTable) -> String) -> Field {
        Field(name: name, type: .string, value: { _ in 0 }, text: text)
    }

    /// An integer `rwbs` field written from the letters in `s1` (LTTng's bit set).
    static func rwbs() -> Field {
        Field(name: "rwbs", type: .rwbsBits, value: { _ in 0 }, text: { $1[$0.s1] })
    }

    /// LTTng's integer `rwbs` bits for a letter form (RWBS_FLAG_WRITE 1, READ 4, SYNC 32).
    static func rwbsBits(_ letters: String) -> Int64 {
        var bits: Int64 = 0
        for byte in letters.utf8 {
            switch byte {
            case UInt8(ascii: "W"): bits |= 1
            case UInt8(ascii: "R"): bits |= 4
            case UInt8(ascii: "S"): bits |= 32
            default: break
            }
        }
        return bits
    }

    /// The layouts the simulator writes.
    static let all: [EventKind: EventLayout] = [
        .schedSwitch: EventLayout(name: "sched_switch", fields: [
            string("prev_comm") { $1[$0.s1] }, int("prev_tid") { $0.a }, int("prev_prio") { _ in 20 },
            int("prev_state") { $0.b }, string("next_comm") { $1[$0.s2] }, int("next_tid") { $0.c }, int("next_prio") { _ in 20 },
        ]),
        .schedWakeup: EventLayout(name: "sched_wakeup", fields: [
            string("comm") { $1[$0.s1] }, int("tid") { $0.a }, int("prio") { _ in 20 }, int("target_cpu") { $0.b },
        ]),
        .schedWaking: EventLayout(name: "sched_waking", fields: [
            string("comm") { $1[$0.s1] }, int("tid") { $0.a }, int("prio") { _ in 20 }, int("target_cpu") { $0.b },
        ]),
        .schedMigrateTask: EventLayout(name: "sched_migrate_task", fields: [
            string("comm") { $1[$0.s1] }, int("tid") { $0.a }, int("prio") { _ in 20 }, int("orig_cpu") { $0.b }, int("dest_cpu") { $0.c },
        ]),
        .schedProcessFork: EventLayout(name: "sched_process_fork", fields: [
            string("parent_comm") { $1[$0.s1] }, int("parent_tid") { $0.a }, int("parent_pid") { $0.c },
            string("child_comm") { $1[$0.s2] }, int("child_tid") { $0.b }, int("child_pid") { $0.d },
        ]),
        .schedProcessExec: EventLayout(name: "sched_process_exec", fields: [
            string("filename") { $1[$0.s1] }, int("tid") { $0.a }, int("old_tid") { $0.b },
        ]),
        .statedumpProcessState: EventLayout(name: "lttng_statedump_process_state", fields: [
            int("tid") { $0.a }, int("vtid") { $0.a }, int("pid") { $0.b }, int("vpid") { $0.b }, int("ppid") { $0.c },
            int("vppid") { $0.c }, string("name") { $1[$0.s1] }, int("type") { _ in 0 }, int("mode") { _ in 5 },
            int("submode") { _ in 0 }, int("status") { _ in 5 }, int("ns_level") { _ in 0 },
        ]),
        // Older lttng-modules' statedump (TP_FIELDS pid = tgid, start, end, flags, inode, pgoff).
        .statedumpVMMap: EventLayout(name: "lttng_statedump_vm_map", fields: [
            int("pid") { $0.a }, uint("start") { $0.b }, uint("end") { $0.c }, uint("flags") { $0.d },
            uint("inode") { _ in 0 }, uint("pgoff") { _ in 0 },
        ], vmMaps: true),
        .kvmEntry: EventLayout(name: "kvm_x86_entry", fields: [uint("vcpu_id") { $0.a }]),
        .kvmExit: EventLayout(name: "kvm_x86_exit", fields: [
            uint("exit_reason") { $0.a }, uint("guest_rip") { 0x7fff_8100_0000 + ($0.d & 0xfffff) }, uint("isa") { $0.b },
            uint("info1") { _ in 0 }, uint("info2") { _ in 0 },
        ]),
        .kvmInjVirq: EventLayout(name: "kvm_x86_inj_virq", fields: [uint("irq") { $0.a }]),
        .blockRqIssue: EventLayout(name: "block_rq_issue", fields: [
            uint("dev") { $0.a }, uint("sector") { $0.b }, uint("nr_sector") { $0.c }, uint("bytes") { $0.d },
            int("tid") { Int64($0.tid) }, rwbs(), string("comm") { $1[$0.s2] },
        ]),
        .blockRqComplete: EventLayout(name: "block_rq_complete", fields: [
            uint("dev") { $0.a }, uint("sector") { $0.b }, uint("nr_sector") { $0.c }, int("error") { _ in 0 }, rwbs(),
        ]),
        .netDevQueue: EventLayout(name: "net_dev_queue", fields: [
            uint("skbaddr") { $0.a }, uint("len") { $0.b }, string("name") { $1[$0.s1] },
        ]),
        .netDevXmit: EventLayout(name: "net_dev_xmit", fields: [
            uint("skbaddr") { $0.a }, uint("len") { $0.b }, int("rc") { _ in 0 }, string("name") { $1[$0.s1] },
        ]),
        .netIfReceiveSkb: EventLayout(name: "net_if_receive_skb", fields: [
            uint("skbaddr") { $0.a }, uint("len") { $0.b }, string("name") { $1[$0.s1] },
        ]),
        .irqHandlerEntry: EventLayout(name: "irq_handler_entry", fields: [int("irq") { $0.a }, string("name") { $1[$0.s1] }]),
        .softirqEntry: EventLayout(name: "irq_softirq_entry", fields: [uint("vec") { $0.a }]),
        .softirqExit: EventLayout(name: "irq_softirq_exit", fields: [uint("vec") { $0.a }]),
        .qemuThreadPoolSubmit: EventLayout(name: "qemu:thread_pool_submit", fields: [
            uint("pool") { $0.b }, uint("req") { $0.a }, uint("opaque") { $0.a ^ 0x5a5a },
        ], userSpace: true),
        .qemuThreadPoolComplete: EventLayout(name: "qemu:thread_pool_complete", fields: [
            uint("pool") { $0.b }, uint("req") { $0.a }, uint("opaque") { $0.a ^ 0x5a5a }, int("ret") { $0.c },
        ], userSpace: true),
        .vmsyncGHGuest: vmsync("vmsync_gh_guest"),
        .vmsyncGHHost: vmsync("vmsync_gh_host"),
        .vmsyncHGGuest: vmsync("vmsync_hg_guest"),
        .vmsyncHGHost: vmsync("vmsync_hg_host"),
        // The addon's TP_FIELDS (unsigned int vcpuID, ulong cr3tmp, sptmp, iptmp).
        .vcpuEnterGuest: EventLayout(name: "addons_vcpu_enter_guest", fields: [
            uint("vcpuID") { $0.a }, uint("cr3tmp") { $0.b }, uint("sptmp") { $0.c }, uint("iptmp") { $0.d },
        ], enterGuest: true),
    ]

    /// lttng-modules' `vmsync_template`: `cnt` (unsigned int) and `vm_uid` (unsigned long).
    static func vmsync(_ name: String) -> EventLayout {
        EventLayout(name: name, fields: [uint("cnt") { $0.a }, uint("vm_uid") { $0.b }], sync: true)
    }
}
