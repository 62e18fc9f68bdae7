import TraceIngest

/// Builds normalized events in memory, as a fake trace source for exact tests of the host model
/// and the features (swift-nio's EmbeddedChannel idea: drive the pipeline by hand).
public struct EventBuilder {
    public let strings = StringTable()
    public private(set) var events: [Event] = []

    public init() {}

    public mutating func add(_ event: Event) { events.append(event) }

    /// `sched_switch` on `cpu`: `prev` leaves (state 0 = runnable/preempted, 1 = sleeping), `next` runs.
    public mutating func schedSwitch(_ t: Int64, cpu: Int32, prev: Int32, _ prevComm: String, state: Int64,
                                     next: Int32, _ nextComm: String) {
        events.append(Event(time: t, cpu: cpu, kind: .schedSwitch, a: Int64(prev), b: state, c: Int64(next),
                            s1: strings.intern(prevComm), s2: strings.intern(nextComm)))
    }

    /// `sched_wakeup` of `tid` towards `targetCPU`, emitted on `cpu` while `waker` is current (perf's `perf_tid`).
    public mutating func wakeup(_ t: Int64, cpu: Int32, tid: Int32, _ comm: String, targetCPU: Int32, waker: Int32 = -1) {
        events.append(Event(time: t, cpu: cpu, kind: .schedWakeup, tid: waker, a: Int64(tid), b: Int64(targetCPU),
                            s1: strings.intern(comm)))
    }

    public mutating func migrate(_ t: Int64, cpu: Int32, tid: Int32, from: Int32, to: Int32) {
        events.append(Event(time: t, cpu: cpu, kind: .schedMigrateTask, a: Int64(tid), b: Int64(from), c: Int64(to)))
    }

    /// A thread of process `pid` named `comm` (an LTTng statedump line).
    public mutating func thread(_ t: Int64, tid: Int32, pid: Int32, _ comm: String) {
        events.append(Event(time: t, cpu: 0, kind: .statedumpProcessState, a: Int64(tid), b: Int64(pid), c: 0,
                            s1: strings.intern(comm)))
    }

    public mutating func kvmEntry(_ t: Int64, cpu: Int32, tid: Int32, vcpu: Int32) {
        events.append(Event(time: t, cpu: cpu, kind: .kvmEntry, tid: tid, a: Int64(vcpu)))
    }

    public mutating func kvmExit(_ t: Int64, cpu: Int32, tid: Int32, reason: Int64, vcpu: Int32 = -1) {
        events.append(Event(time: t, cpu: cpu, kind: .kvmExit, tid: tid, a: reason, b: 1, c: Int64(vcpu)))
    }

    /// `addons_vcpu_enter_guest` on vCPU thread `tid` (-1: no context, the CPU's current thread).
    public mutating func enterGuest(_ t: Int64, cpu: Int32, tid: Int32, vcpu: Int32, cr3: UInt64, sp: UInt64, ip: UInt64 = 0) {
        events.append(Event(time: t, cpu: cpu, kind: .vcpuEnterGuest, tid: tid, a: Int64(vcpu), b: Int64(bitPattern: cr3),
                            c: Int64(bitPattern: sp), d: Int64(bitPattern: ip)))
    }

    public mutating func blockIssue(_ t: Int64, cpu: Int32, tid: Int32, dev: Int64, sector: Int64, bytes: Int64, rwbs: String) {
        events.append(Event(time: t, cpu: cpu, kind: .blockRqIssue, tid: tid, a: dev, b: sector, c: bytes / 512, d: bytes,
                            s1: strings.intern(rwbs)))
    }

    public mutating func blockComplete(_ t: Int64, cpu: Int32, dev: Int64, sector: Int64, rwbs: String) {
        events.append(Event(time: t, cpu: cpu, kind: .blockRqComplete, a: dev, b: sector, s1: strings.intern(rwbs)))
    }

    /// `net_dev_xmit`; `context` is what perf's `common_flags` would say (empty: an LTTng trace).
    public mutating func netXmit(_ t: Int64, cpu: Int32, tid: Int32, skb: Int64, length: Int64, device: String,
                                 context: ExecutionContext = []) {
        events.append(Event(time: t, cpu: cpu, kind: .netDevXmit, tid: tid, a: skb, b: length, s1: strings.intern(device), context: context))
    }

    public mutating func netQueue(_ t: Int64, cpu: Int32, tid: Int32, skb: Int64, length: Int64, device: String,
                                  context: ExecutionContext = []) {
        events.append(Event(time: t, cpu: cpu, kind: .netDevQueue, tid: tid, a: skb, b: length, s1: strings.intern(device), context: context))
    }

    public mutating func netReceive(_ t: Int64, cpu: Int32, tid: Int32, skb: Int64, length: Int64, device: String,
                                    context: ExecutionContext = []) {
        events.append(Event(time: t, cpu: cpu, kind: .netIfReceiveSkb, tid: tid, a: skb, b: length, s1: strings.intern(device), context: context))
    }

    /// `sock:sock_send_length`: `tid` wrote `bytes` into socket `sk`.
    public mutating func sockSend(_ t: Int64, cpu: Int32, tid: Int32, sk: Int64, bytes: Int64, context: ExecutionContext = [.known]) {
        events.append(Event(time: t, cpu: cpu, kind: .sockSendLength, tid: tid, a: sk, b: bytes, c: 2, d: 6, context: context))
    }

    /// `tcp:tcp_probe`: socket `sk` (its ports `sport` → `dport`) received segment `skb`.
    public mutating func tcpProbe(_ t: Int64, cpu: Int32, tid: Int32, skb: Int64, sk: Int64, sport: Int64, dport: Int64,
                                  context: ExecutionContext = [.known, .softIRQ]) {
        events.append(Event(time: t, cpu: cpu, kind: .tcpProbe, tid: tid, a: skb, b: sk, c: sport << 16 | dport, d: 1, context: context))
    }

    public mutating func softirq(_ t: Int64, cpu: Int32, vector: Int64) {
        events.append(Event(time: t, cpu: cpu, kind: .softirqEntry, a: vector))
    }

    public mutating func softirqExit(_ t: Int64, cpu: Int32, vector: Int64) {
        events.append(Event(time: t, cpu: cpu, kind: .softirqExit, a: vector))
    }

    /// Events sorted by time (stable), as a reader delivers them.
    public var sorted: [Event] {
        events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }
}
