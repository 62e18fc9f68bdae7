import CBabeltrace2

/// How to decode one event class into an `Event`, decided once per class from its field classes.
///
/// Each `Read` names a payload slot of `Event`, where the value is (payload, common context or
/// specific context), its member index and how to read it. Classes Interfere does not use have
/// `kind == nil` and are only counted.
final class FieldPlan {
    enum Scope: UInt8 { case payload, commonContext, specificContext }
    enum Reader: UInt8 { case unsigned, signed, string, rwbsBits, perfFlags }
    enum Slot: UInt8 { case a, b, c, d, s1, s2, tid, pid, context, sourcePort, destinationPort, time, cpu }

    struct Read {
        var slot: Slot
        var scope: Scope
        var index: Int
        var reader: Reader
    }

    let name: String
    let kind: EventKind?
    var reads: [Read] = []
    /// `reads` once built, for the per-event loop.
    private(set) var readBuffer: UnsafeMutableBufferPointer<Read> = .init(start: nil, count: 0)
    /// Values for slots whose field the class lacks (applied before the reads).
    var defaults: (a: Int64, b: Int64, c: Int64, d: Int64) = (0, 0, 0, 0)
    /// The payload's `tid` names the thread that issued the request (LTTng block events); use it
    /// as the event's thread when no context gives one.
    var payloadTidIsCurrent = false
    /// The payload's `perf_cpu` (older perf conversions: no `cpu_id` in the packet context),
    /// found for every class, decoded or not, so that events are counted by CPU.
    private(set) var cpuField: (index: Int, reader: Reader)?

    init(eventClass: OpaquePointer, name: String) {
        self.name = name
        self.kind = EventKind.named(name)
        let payload = Members(bt_event_class_borrow_payload_field_class_const(eventClass))
        if let r = payload.find(["perf_cpu"]), r.reader != .string { cpuField = r }
        guard let kind else { return }
        var common = Members(nil)
        var specific = Members(bt_event_class_borrow_specific_context_field_class_const(eventClass))
        if let streamClass = bt_event_class_borrow_stream_class_const(eventClass) {
            common = Members(bt_stream_class_borrow_event_common_context_field_class_const(streamClass))
        }
        if specific.isEmpty { specific = Members(nil) }

        // The current thread and process: context fields (LTTng `lttng add-context`), or perf's
        // `perf_tid` / `perf_pid` in the payload.
        for (scope, members) in [(Scope.commonContext, common), (.specificContext, specific)] {
            if let r = members.find(["tid", "_tid", "vtid", "_vtid"]), !reads.contains(where: { $0.slot == .tid }) {
                reads.append(Read(slot: .tid, scope: scope, index: r.index, reader: r.reader))
            }
            if let r = members.find(["pid", "_pid", "vpid", "_vpid"]), !reads.contains(where: { $0.slot == .pid }) {
                reads.append(Read(slot: .pid, scope: scope, index: r.index, reader: r.reader))
            }
        }
        if !reads.contains(where: { $0.slot == .tid }), let r = payload.find(["perf_tid"]) {
            reads.append(Read(slot: .tid, scope: .payload, index: r.index, reader: r.reader))
        }
        if !reads.contains(where: { $0.slot == .pid }), let r = payload.find(["perf_pid"]) {
            reads.append(Read(slot: .pid, scope: .payload, index: r.index, reader: r.reader))
        }

        // A replayed event (`interfere watch`'s test replayer, through LTTng-UST) carries the
        // recorded clock value and CPU: they stand for the UST clock and the replayer's CPU.
        if let r = payload.find(["replay_time_ns"]), r.reader != .string {
            reads.append(Read(slot: .time, scope: .payload, index: r.index, reader: r.reader))
        }
        if let r = payload.find(["replay_cpu"]), r.reader != .string {
            reads.append(Read(slot: .cpu, scope: .payload, index: r.index, reader: r.reader))
        }

        func map(_ slot: Slot, _ names: [String]) {
            if let r = payload.find(names) {
                reads.append(Read(slot: slot, scope: .payload, index: r.index, reader: r.reader))
            }
        }

        switch kind {
        case .schedSwitch:
            map(.a, ["prev_tid", "prev_pid"]); map(.b, ["prev_state"]); map(.c, ["next_tid", "next_pid"])
            map(.s1, ["prev_comm"]); map(.s2, ["next_comm"])
        case .schedWakeup, .schedWaking, .schedWakeupNew:
            map(.a, ["tid", "pid"]); map(.b, ["target_cpu"]); map(.s1, ["comm"])
        case .schedMigrateTask:
            map(.a, ["tid", "pid"]); map(.b, ["orig_cpu"]); map(.c, ["dest_cpu"]); map(.s1, ["comm"])
        case .schedProcessFork:
            defaults = (0, 0, -1, -1)
            if payload.find(["parent_tid"]) != nil {
                // LTTng: *_tid are threads, *_pid are thread-group ids.
                map(.a, ["parent_tid"]); map(.b, ["child_tid"]); map(.c, ["parent_pid"]); map(.d, ["child_pid"])
            } else {
                // perf / Linux: *_pid are thread ids.
                map(.a, ["parent_pid"]); map(.b, ["child_pid"])
            }
            map(.s1, ["parent_comm"]); map(.s2, ["child_comm"])
        case .schedProcessExec:
            map(.a, ["tid", "pid"]); map(.b, ["old_tid", "old_pid"]); map(.s1, ["filename"])
        case .schedProcessExit, .schedProcessFree:
            map(.a, ["tid", "pid"]); map(.s1, ["comm"])
        case .statedumpProcessState:
            map(.a, ["tid"]); map(.b, ["pid"]); map(.c, ["ppid"]); map(.s1, ["name"])
        case .kvmEntry:
            defaults = (-1, 0, 0, 0)
            map(.a, ["vcpu_id"])
        case .kvmExit:
            defaults = (0, 1, -1, 0)
            map(.a, ["exit_reason"]); map(.b, ["isa"]); map(.c, ["vcpu_id"])
        case .kvmUserspaceExit:
            map(.a, ["reason"])
        case .kvmSetIrq:
            map(.a, ["gsi"]); map(.b, ["level"])
        case .kvmMsiSetIrq:
            map(.a, ["address"]); map(.b, ["data"])
        case .kvmInjVirq:
            map(.a, ["irq"])
        case .kvmApicIpi:
            map(.a, ["icr_low"]); map(.b, ["dest_id"])
        case .kvmVcpuWakeup:
            map(.a, ["ns"]); map(.b, ["waited"])
        case .blockRqInsert, .blockRqIssue, .blockRqComplete:
            map(.a, ["dev"]); map(.b, ["sector"]); map(.c, ["nr_sector"]); map(.d, ["bytes"])
            map(.s1, ["rwbs"]); map(.s2, ["comm"])
            if let r = payload.find(["tid"]) {
                payloadTidIsCurrent = true
                reads.append(Read(slot: .tid, scope: .payload, index: r.index, reader: r.reader))
            }
        case .netDevQueue, .netDevXmit, .netIfReceiveSkb:
            map(.a, ["skbaddr"]); map(.b, ["len"]); map(.s1, ["name"])
        case .sockSendLength:
            map(.a, ["sk"]); map(.b, ["ret"]); map(.c, ["family"]); map(.d, ["protocol"])
        case .tcpProbe:
            defaults = (0, 0, 0, -1)
            map(.a, ["skbaddr"]); map(.b, ["skaddr"]); map(.d, ["sock_cookie"])
            map(.sourcePort, ["sport"]); map(.destinationPort, ["dport"])   // both in slot c
        case .irqHandlerEntry:
            map(.a, ["irq"]); map(.s1, ["name"])
        case .irqHandlerExit:
            map(.a, ["irq"]); map(.b, ["ret"])
        case .softirqEntry, .softirqExit, .softirqRaise:
            map(.a, ["vec"])
        case .qemuThreadPoolSubmit, .qemuThreadPoolComplete:
            map(.a, ["req"]); map(.b, ["pool"]); map(.c, ["ret"])
        case .ptVMEntry, .ptVMExit, .ptGuestProcessSwitch, .ptHostProcessSwitch, .ptGap:
            break
        case .vmsyncGHGuest, .vmsyncGHHost, .vmsyncHGGuest, .vmsyncHGHost:
            map(.a, ["cnt"]); map(.b, ["vm_uid"])   // older addons have no vm_uid: 0
        case .vcpuEnterGuest:
            defaults = (-1, 0, 0, 0)
            map(.a, ["vcpuID", "vcpu_id"]); map(.b, ["cr3tmp", "cr3"]); map(.c, ["sptmp", "sp"]); map(.d, ["iptmp", "ip"])
        case .statedumpVMMap:
            map(.a, ["pid"]); map(.b, ["start"]); map(.c, ["end"]); map(.d, ["flags"])
        }
        // perf's `common_flags`: where the event ran (process, softirq, hard IRQ). Only net and
        // socket events need it (EVENTS.md §5), so only they pay for reading it.
        if kind.isNetwork, let r = payload.find(["common_flags"]), r.reader != .string {
            reads.append(Read(slot: .context, scope: .payload, index: r.index, reader: .perfFlags))
        }
        // An integer `rwbs` is LTTng's bit set: decode it to the kernel's letters.
        for i in reads.indices where reads[i].slot == .s1 && kind.isBlock && reads[i].reader != .string {
            reads[i].reader = .rwbsBits
        }
        // Context reads first so that a payload `tid` (block) only fills in when the context is absent.
        reads.sort { ($0.scope != .payload ? 0 : 1, $0.slot == .tid ? 1 : 0) < ($1.scope != .payload ? 0 : 1, $1.slot == .tid ? 1 : 0) }
        readBuffer = .allocate(capacity: reads.count)
        _ = readBuffer.initialize(from: reads)
    }

    deinit { readBuffer.deallocate() }

    /// The member list of a structure field class, with the reader each member needs.
    struct Members {
        var names: [String] = []
        var readers: [Reader?] = []

        init(_ structure: OpaquePointer?) {
            guard let structure,
                  bt_field_class_get_type(structure) == BT_FIELD_CLASS_TYPE_STRUCTURE else { return }
            let count = bt_field_class_structure_get_member_count(structure)
            for i in 0..<count {
                let member = bt_field_class_structure_borrow_member_by_index_const(structure, i)
                names.append(String(cString: bt_field_class_structure_member_get_name(member)))
                let type = bt_field_class_get_type(bt_field_class_structure_member_borrow_field_class_const(member))
                if bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER) != 0 {
                    readers.append(.signed)
                } else if bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER) != 0 {
                    readers.append(.unsigned)
                } else if bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_STRING) != 0 {
                    readers.append(.string)
                } else {
                    readers.append(nil)
                }
            }
        }

        var isEmpty: Bool { names.isEmpty }

        /// The first of `candidates` that is a member this plan can read.
        func find(_ candidates: [String]) -> (index: Int, reader: Reader)? {
            for candidate in candidates {
                if let i = names.firstIndex(of: candidate), let reader = readers[i] { return (i, reader) }
            }
            return nil
        }
    }
}

extension EventKind {
    /// `block_rq_insert`, `block_rq_issue` or `block_rq_complete`.
    public var isBlock: Bool { self == .blockRqInsert || self == .blockRqIssue || self == .blockRqComplete }

    /// A packet or socket event: `net_dev_queue`, `net_dev_xmit`, `netif_receive_skb`,
    /// `sock_send_length`, `tcp_probe`.
    public var isNetwork: Bool {
        switch self {
        case .netDevQueue, .netDevXmit, .netIfReceiveSkb, .sockSendLength, .tcpProbe: return true
        default: return false
        }
    }
}

/// LTTng's `rwbs` bit set (lttng-modules `instrumentation/events/block.h`, `RWBS_FLAG_*`) in the
/// kernel's letter form, so both flavours compare equal: `W`, `R`, `D`, `F`, `FUA`, `A`, `S`, `M`.
func rwbsLetters(_ bits: UInt64) -> String {
    var s = ""
    if bits & (1 << 10) != 0 { s += "F" }          // PREFLUSH
    if bits & (1 << 0) != 0 { s += "W" }           // WRITE
    else if bits & (1 << 1) != 0 { s += "D" }      // DISCARD
    else if bits & (1 << 2) != 0 || bits & (1 << 3) != 0 { s += "R" }  // READ, RAHEAD
    else if bits & (1 << 8) != 0 { s += "F" }      // FLUSH
    else { s += "N" }
    if bits & (1 << 9) != 0 { s += "F" }           // FUA
    if bits & (1 << 3) != 0 { s += "A" }           // RAHEAD
    if bits & (1 << 5) != 0 { s += "S" }           // SYNC
    if bits & (1 << 6) != 0 { s += "M" }           // META
    return s
}
