/// One normalized trace event: the small value every later stage consumes.
///
/// No heap allocation per event. Strings (comm, device and IRQ names, `rwbs`) are interned once per
/// distinct value in a `StringTable` and carried as `Int32` ids. The payload lives in four integer
/// slots and two string slots whose meaning depends on `kind`; use the named accessors below
/// (`prevTid`, `exitReason`, `sector`, ...) rather than the raw slots.
///
/// | kind | a | b | c | d | s1 | s2 |
/// |---|---|---|---|---|---|---|
/// | schedSwitch | prev tid | prev state | next tid | — | prev comm | next comm |
/// | schedWakeup / Waking / WakeupNew | tid | target cpu | — | — | comm | — |
/// | schedMigrateTask | tid | orig cpu | dest cpu | — | comm | — |
/// | schedProcessFork | parent tid | child tid | parent pid (tgid, LTTng only, else -1) | child pid (tgid, LTTng only, else -1) | parent comm | child comm |
/// | schedProcessExec | tid | old tid | — | — | filename | — |
/// | schedProcessExit / Free | tid | — | — | — | comm | — |
/// | statedumpProcessState | tid | pid | ppid | — | name | — |
/// | kvmEntry | vcpu id (-1 if absent) | — | — | — | — | — |
/// | kvmExit | exit reason | isa (1 VMX, 2 SVM) | vcpu id (-1 if absent) | — | — | — |
/// | kvmUserspaceExit | reason | — | — | — | — | — |
/// | kvmSetIrq | gsi | level | — | — | — | — |
/// | kvmMsiSetIrq | address | data | — | — | — | — |
/// | kvmInjVirq | irq | — | — | — | — | — |
/// | kvmApicIpi | icr low | dest id | — | — | — | — |
/// | kvmVcpuWakeup | ns | waited | — | — | — | — |
/// | blockRqInsert / Issue / Complete | dev | sector | nr sector | bytes (issue/insert) | rwbs | comm (issue/insert) |
/// | netDevQueue / Xmit / IfReceiveSkb | skbaddr | len | — | — | device name | — |
/// | sockSendLength | sk | ret (bytes sent, < 0 an error) | family | protocol | — | — |
/// | tcpProbe | skbaddr | skaddr | sport << 16 \| dport | sock cookie | — | — |
/// | irqHandlerEntry / Exit | irq | ret (exit) | — | — | name (entry) | — |
/// | softirqEntry / Exit / Raise | vec | — | — | — | — | — |
/// | qemuThreadPoolSubmit / Complete | req | pool | ret (complete) | — | — | — |
/// | ptVMEntry | VMCS base | guest CR3 | — | — | — | — |
/// | ptVMExit | VMCS base | host CR3 | — | — | — | — |
/// | ptGuestProcessSwitch / ptHostProcessSwitch | VMCS base | new CR3 | — | — | — | — |
/// | ptGap | end of the gap (ns) | — | — | — | — | — |
/// | vmsyncGHGuest / GHHost / HGGuest / HGHost | cnt | vm_uid (0 if absent) | — | — | — | — |
/// | vcpuEnterGuest | vcpu id (-1 if absent) | guest CR3 | guest SP | guest IP | — | — |
/// | statedumpVMMap | pid (tgid) | start | end | vm flags | — | — |
///
/// `tid` and `pid` are the thread and process current on `cpu` when the tracer said so (LTTng
/// `tid`/`pid` context, perf's `perf_tid`/`perf_pid`), else -1. `context` says whether the event
/// ran in process, softirq or hard-IRQ context when the tracer recorded it (perf's
/// `common_flags`); LTTng traces leave it empty (the host model follows `irq_softirq_entry`/`_exit`).
public struct Event: Sendable, Equatable {
    /// Nanoseconds from the clock's origin.
    public var time: Int64
    public var cpu: Int32
    public var kind: EventKind
    public var context: ExecutionContext
    public var tid: Int32
    public var pid: Int32
    public var a: Int64
    public var b: Int64
    public var c: Int64
    public var d: Int64
    public var s1: Int32
    public var s2: Int32

    public init(time: Int64, cpu: Int32, kind: EventKind, tid: Int32 = -1, pid: Int32 = -1,
                a: Int64 = 0, b: Int64 = 0, c: Int64 = 0, d: Int64 = 0,
                s1: Int32 = StringTable.none, s2: Int32 = StringTable.none, context: ExecutionContext = []) {
        self.time = time
        self.cpu = cpu
        self.kind = kind
        self.context = context
        self.tid = tid
        self.pid = pid
        self.a = a
        self.b = b
        self.c = c
        self.d = d
        self.s1 = s1
        self.s2 = s2
    }
}

// Named views of the payload slots (see the table on `Event`).
extension Event {
    // sched_switch
    public var prevTid: Int32 { Int32(truncatingIfNeeded: a) }
    public var prevState: Int64 { b }
    public var nextTid: Int32 { Int32(truncatingIfNeeded: c) }
    public var prevComm: Int32 { s1 }
    public var nextComm: Int32 { s2 }
    /// `sched_switch`: the task switched out was still runnable (preempted), per EVENTS.md:
    /// `(prev_state & 0xff) == 0` covers 0 and `TASK_REPORT_MAX` (0x100 on 6.x kernels).
    public var prevWasRunnable: Bool { (b & 0xff) == 0 }

    // wakeups, migrations, exit, exec, statedump: the thread concerned
    public var targetTid: Int32 { Int32(truncatingIfNeeded: a) }
    public var targetCPU: Int32 { Int32(truncatingIfNeeded: b) }
    public var destCPU: Int32 { Int32(truncatingIfNeeded: c) }
    public var comm: Int32 { s1 }

    // fork
    public var parentTid: Int32 { Int32(truncatingIfNeeded: a) }
    public var childTid: Int32 { Int32(truncatingIfNeeded: b) }
    public var parentPid: Int32 { Int32(truncatingIfNeeded: c) }
    public var childPid: Int32 { Int32(truncatingIfNeeded: d) }
    public var childComm: Int32 { s2 }

    // statedump
    public var statedumpPid: Int32 { Int32(truncatingIfNeeded: b) }

    // kvm
    public var vcpuID: Int32 { Int32(truncatingIfNeeded: kind == .kvmExit ? c : a) }
    public var exitReason: Int64 { a }
    public var isa: Int64 { b }

    // addons_vcpu_enter_guest (64-bit registers: read them unsigned)
    public var guestCR3: UInt64 { UInt64(bitPattern: b) }
    public var guestSP: UInt64 { UInt64(bitPattern: c) }
    public var guestIP: UInt64 { UInt64(bitPattern: d) }

    // block
    public var device: Int64 { a }
    public var sector: Int64 { b }
    public var sectorCount: Int64 { c }
    public var bytes: Int64 { d }
    public var rwbs: Int32 { s1 }

    // net
    public var skbaddr: Int64 { a }
    public var length: Int64 { b }
    public var deviceName: Int32 { s1 }

    // sock_send_length
    public var socket: Int64 { a }
    public var sentBytes: Int64 { b }

    // tcp_probe (the socket that received `skbaddr`, and its ports)
    public var probeSocket: Int64 { b }
    public var sourcePort: Int64 { (c >> 16) & 0xffff }
    public var destinationPort: Int64 { c & 0xffff }

    // irq / softirq
    public var irq: Int64 { a }
    public var vector: Int64 { a }

    // qemu thread pool
    public var request: Int64 { a }
}

/// Where an event ran, as the tracer recorded it: perf's `common_flags` (0x08 hard IRQ, 0x10
/// softirq; EVENTS.md §5). Empty when the trace does not say (LTTng: the host model knows the
/// softirq context from `irq_softirq_entry`/`_exit` on that CPU).
public struct ExecutionContext: OptionSet, Sendable, Equatable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The tracer recorded the context (the other bits are meaningful).
    public static let known = ExecutionContext(rawValue: 1)
    public static let hardIRQ = ExecutionContext(rawValue: 2)
    public static let softIRQ = ExecutionContext(rawValue: 4)

    /// From perf's `common_flags` (`TRACE_FLAG_HARDIRQ` 0x08, `TRACE_FLAG_SOFTIRQ` 0x10).
    public init(perfCommonFlags flags: Int64) {
        var c: ExecutionContext = .known
        if flags & 0x08 != 0 { c.insert(.hardIRQ) }
        if flags & 0x10 != 0 { c.insert(.softIRQ) }
        self = c
    }

    /// In an interrupt (hard or soft): the current task is not the one the work is for.
    public var isInterrupt: Bool { !isDisjoint(with: [.hardIRQ, .softIRQ]) }
}
