import TraceIngest

/// What a CPU is doing for a vCPU, as the PT packets show it (`PTStateMachine`).
enum PTMode: UInt8 {
    /// Nothing known yet, or since a gap.
    case unknown
    /// VM entry → VM exit.
    case guest
    /// VM exit → the first of: the next VM entry, a host CR3 write, a gap (the vCPU's thread in host mode).
    case hypervisor
    /// A host CR3 other than the vCPU's own (the one at its exit) is loaded: another host process runs there.
    case preempted
    /// The vCPU's thread is off the CPU but no other process is known to hold it (its own process's
    /// CR3 written again: the CPU idles or another of its threads runs). Not attributed.
    case away
}

/// What `PTStateMachine` tells as it goes. vCPUs are the machine's dense indices, one per VMCS
/// base in order of first sight (`newVCPU`).
protocol PTTimelineSink {
    /// A new vCPU: `vcpu` is the index of VMCS base `vmcs` from now on.
    mutating func newVCPU(_ vcpu: Int, vmcs: UInt64)
    /// The CPU spent [from, to) (to > from) in `mode` (guest, hypervisor or preempted) for `vcpu`.
    mutating func interval(_ mode: PTMode, cpu: Int, vcpu: Int, from: Int64, to: Int64)
    /// A VM entry of `vcpu` into the guest process with CR3 `guestCR3`.
    mutating func entry(cpu: Int, vcpu: Int, guestCR3: UInt64, at t: Int64)
    /// A switch of guest process (CR3 write in the guest) while `vcpu` runs in the guest.
    mutating func guestSwitch(cpu: Int, vcpu: Int, guestCR3: UInt64, at t: Int64)
    /// A VM exit of `vcpu`; `run` is the guest run it ends (entry → exit), nil when the CPU was not in the guest.
    mutating func exit(cpu: Int, vcpu: Int, run: Int64?, at t: Int64)
    /// Host process `hostCR3` took the CPU while `vcpu`'s thread was off it (once per change of host CR3,
    /// never for the vCPU's own process).
    mutating func preemption(cpu: Int, vcpu: Int, hostCR3: UInt64)
    /// A gap [from, to) (OVF or lost sync): the CPU's state is forgotten.
    mutating func gap(cpu: Int, from: Int64, to: Int64)
}

/// The one reading of PT events into per-CPU vCPU time, which `PTStats` (totals) and
/// `PTWindowFeatures` (per window) both consume as sinks.
///
/// Per CPU: guest = VM entry → VM exit. Hypervisor = VM exit → the first of: the next VM entry, a
/// host CR3 write (the scheduler switched the vCPU's thread out), a gap. After a host CR3 write,
/// preempted while a host CR3 other than the exit's is loaded, else away (not attributed), until
/// the next VM entry or gap. When a vCPU enters after its own process (the host CR3 at its last
/// exit, or any when none is known yet) was loaded back by a write outside host mode, it was in host
/// mode again from that write: hypervisor from there to the entry. A gap resets the CPU. Guest
/// process switches count only in the guest. Events: time-ordered per CPU, CPUs in any
/// interleaving. Per event: pointer writes; the VMCS → vCPU lookup is cached per CPU.
struct PTStateMachine<Sink: PTTimelineSink>: PTEventSink {
    private struct CPUState {
        var mode = PTMode.unknown
        var vcpu = -1                  // index of the vCPU
        var since: Int64 = 0           // start of the current guest / hypervisor / preempted interval
        var runStart: Int64 = 0        // VM entry of the current guest run
        var exitCR3: UInt64 = 0        // the vCPU process's host CR3 (from the VM exit)
        var hostCR3: UInt64 = 0        // host CR3 now
        var returnAt: Int64 = -1       // the last host CR3 write not made in host mode of a vCPU (-1: none since)
        var returnCR3: UInt64 = 0      // the CR3 it loaded
        var cachedBase: UInt64 = 0, cachedIndex = -1   // last VMCS → vCPU index seen here
    }
    /// The vCPU thread's process host CR3 before its first exit.
    private static var unknownCR3: UInt64 { .max }

    var sink: Sink
    private let states: Counters<CPUState>
    private var vmcsIndex = PairIndex()                       // (VMCS, 0) → vCPU
    private let processCR3 = Counters(zero: UInt64.max)       // vCPU → host CR3 at its exits

    init(cpuCount: Int, sink: Sink) {
        self.sink = sink
        states = Counters(zero: CPUState(), count: cpuCount)
    }

    /// Number of vCPUs seen.
    var vcpuCount: Int { vmcsIndex.count }

    @inline(__always) private mutating func index(of base: UInt64, _ s: UnsafeMutablePointer<CPUState>) -> Int {
        if s.pointee.cachedIndex >= 0, s.pointee.cachedBase == base { return s.pointee.cachedIndex }
        let (i, isNew) = vmcsIndex.index(base, 0)
        if isNew {
            processCR3.append(Self.unknownCR3)
            sink.newVCPU(i, vmcs: base)
        }
        s.pointee.cachedBase = base
        s.pointee.cachedIndex = i
        return i
    }

    /// Ends the CPU's current interval at `t`.
    @inline(__always) private mutating func close(_ c: Int, _ s: UnsafeMutablePointer<CPUState>, at t: Int64) {
        switch s.pointee.mode {
        case .guest, .hypervisor, .preempted:
            if t > s.pointee.since { sink.interval(s.pointee.mode, cpu: c, vcpu: s.pointee.vcpu, from: s.pointee.since, to: t) }
        case .unknown, .away: break
        }
    }

    mutating func consume(_ e: Event) {
        let c = Int(e.cpu)
        guard c >= 0, c < states.count else { return }
        let s = states.base + c
        let t = e.time
        switch e.kind {
        case .ptVMEntry:
            let i = index(of: UInt64(bitPattern: e.a), s)
            let mode = s.pointee.mode
            if mode == .away || mode == .preempted, s.pointee.returnAt >= 0,
               processCR3[i] == Self.unknownCR3 || s.pointee.returnCR3 == processCR3[i] {
                // The vCPU's process was loaded back (its thread switched in) and entered the
                // guest: from that CR3 write, the vCPU thread was in host mode again.
                close(c, s, at: s.pointee.returnAt)
                s.pointee.vcpu = i
                s.pointee.mode = .hypervisor
                s.pointee.since = s.pointee.returnAt
            }
            close(c, s, at: t)
            sink.entry(cpu: c, vcpu: i, guestCR3: UInt64(bitPattern: e.b), at: t)
            s.pointee.mode = .guest
            s.pointee.vcpu = i
            s.pointee.since = t
            s.pointee.runStart = t
            s.pointee.returnAt = -1
        case .ptGuestProcessSwitch:
            guard s.pointee.mode == .guest else { return }
            close(c, s, at: t)
            sink.guestSwitch(cpu: c, vcpu: s.pointee.vcpu, guestCR3: UInt64(bitPattern: e.b), at: t)
            s.pointee.since = t
        case .ptVMExit:
            let i = index(of: UInt64(bitPattern: e.a), s)
            let run: Int64? = s.pointee.mode == .guest ? t - s.pointee.runStart : nil
            close(c, s, at: t)
            sink.exit(cpu: c, vcpu: i, run: run, at: t)
            let cr3 = UInt64(bitPattern: e.b)
            s.pointee.mode = .hypervisor
            s.pointee.vcpu = i
            s.pointee.since = t
            s.pointee.exitCR3 = cr3
            s.pointee.hostCR3 = cr3
            s.pointee.returnAt = -1
            processCR3[i] = cr3
        case .ptHostProcessSwitch:
            let mode = s.pointee.mode
            guard mode == .hypervisor || mode == .preempted || mode == .away else { return }
            let cr3 = UInt64(bitPattern: e.b)
            // A write in a vCPU's host mode is its thread leaving; any other may be a vCPU
            // thread's process coming back (decided at the next VM entry).
            s.pointee.returnAt = mode == .hypervisor ? -1 : t
            s.pointee.returnCR3 = cr3
            if cr3 != s.pointee.hostCR3, cr3 != s.pointee.exitCR3 {
                sink.preemption(cpu: c, vcpu: s.pointee.vcpu, hostCR3: cr3)
            }
            let next: PTMode = cr3 != s.pointee.exitCR3 ? .preempted : .away
            if next != mode {
                close(c, s, at: t)
                s.pointee.mode = next
                s.pointee.since = t
            }
            s.pointee.hostCR3 = cr3
        case .ptGap:
            close(c, s, at: t)
            sink.gap(cpu: c, from: t, to: e.a)
            let (base, cached) = (s.pointee.cachedBase, s.pointee.cachedIndex)
            s.pointee = CPUState()
            s.pointee.cachedBase = base
            s.pointee.cachedIndex = cached
        default: break
        }
    }
}

/// Two sinks fed by one `PTStateMachine` (the report's stats and windows in one decode).
struct PTSinkPair<A: PTTimelineSink, B: PTTimelineSink>: PTTimelineSink {
    var a: A
    var b: B
    mutating func newVCPU(_ vcpu: Int, vmcs: UInt64) { a.newVCPU(vcpu, vmcs: vmcs); b.newVCPU(vcpu, vmcs: vmcs) }
    mutating func interval(_ mode: PTMode, cpu: Int, vcpu: Int, from: Int64, to: Int64) {
        a.interval(mode, cpu: cpu, vcpu: vcpu, from: from, to: to); b.interval(mode, cpu: cpu, vcpu: vcpu, from: from, to: to)
    }
    mutating func entry(cpu: Int, vcpu: Int, guestCR3: UInt64, at t: Int64) {
        a.entry(cpu: cpu, vcpu: vcpu, guestCR3: guestCR3, at: t); b.entry(cpu: cpu, vcpu: vcpu, guestCR3: guestCR3, at: t)
    }
    mutating func guestSwitch(cpu: Int, vcpu: Int, guestCR3: UInt64, at t: Int64) {
        a.guestSwitch(cpu: cpu, vcpu: vcpu, guestCR3: guestCR3, at: t); b.guestSwitch(cpu: cpu, vcpu: vcpu, guestCR3: guestCR3, at: t)
    }
    mutating func exit(cpu: Int, vcpu: Int, run: Int64?, at t: Int64) {
        a.exit(cpu: cpu, vcpu: vcpu, run: run, at: t); b.exit(cpu: cpu, vcpu: vcpu, run: run, at: t)
    }
    mutating func preemption(cpu: Int, vcpu: Int, hostCR3: UInt64) {
        a.preemption(cpu: cpu, vcpu: vcpu, hostCR3: hostCR3); b.preemption(cpu: cpu, vcpu: vcpu, hostCR3: hostCR3)
    }
    mutating func gap(cpu: Int, from: Int64, to: Int64) { a.gap(cpu: cpu, from: from, to: to); b.gap(cpu: cpu, from: from, to: to) }
}

extension PTCaptureReader {
    /// Decodes the capture once into both its stats and its window features (one state machine
    /// feeding both sinks), as the report needs them.
    public func statsAndWindows(windowNs: Int64) throws -> (stats: PTStats, windows: PTWindowFeatures) {
        var machine = PTStateMachine(cpuCount: sidecar.cpuCount,
                                     sink: PTSinkPair(a: PTStats.Totals(sidecar: sidecar),
                                                      b: PTWindowFeatures.Rows(sidecar: sidecar, windowNs: windowNs)))
        try forEach(into: &machine)
        return (machine.sink.a.finish(), machine.sink.b.finish())
    }
}
