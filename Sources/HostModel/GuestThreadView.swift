/// One guest `sched_switch` on the host's clock (the guest's time + the clock offset).
public struct GuestSwitch: Sendable, Equatable {
    public var timeNs: Int64
    /// The guest CPU: vCPU `cpu` of its VM.
    public var cpu: Int
    public var prevTid: Int32
    /// 0: still runnable (preempted in the guest), else blocked.
    public var prevState: Int64
    public var nextTid: Int32
    public var nextComm: String

    public init(timeNs: Int64, cpu: Int, prevTid: Int32, prevState: Int64, nextTid: Int32, nextComm: String) {
        self.timeNs = timeNs
        self.cpu = cpu
        self.prevTid = prevTid
        self.prevState = prevState
        self.nextTid = nextTid
        self.nextComm = nextComm
    }
}

/// Per guest thread, where its time went, seen from both traces (Trace Compass's "fused" view).
public struct GuestThreadTimes: Sendable, Equatable, Codable {
    public var tid: Int32
    public var comm: String
    /// Current on its guest CPU while the vCPU ran in guest mode.
    public var guestNs: Int64 = 0
    /// Current on its guest CPU while the vCPU was in the hypervisor (exit handling).
    public var hypervisorNs: Int64 = 0
    /// Current on its guest CPU while the vCPU was preempted or waiting on the host.
    public var vcpuPreemptedNs: Int64 = 0
    /// Runnable in the guest, not current (waiting for a guest CPU).
    public var waitingNs: Int64 = 0
    /// Blocked or idle in the guest (also: current while its vCPU was halted on the host).
    public var blockedNs: Int64 = 0
    /// While its vCPU was preempted: who held the vCPU's physical CPU (as `stats` names them), ns.
    public var preemptedBy: [String: Int64] = [:]

    public init(tid: Int32, comm: String) {
        self.tid = tid
        self.comm = comm
    }
}

/// Fuses a guest's scheduling with its vCPUs' states on the host: feed, in time order, the
/// guest's switches (`guest`), the vCPUs' state changes (`vcpu`) and who runs on each host CPU
/// (`hostCPU`), then `hostEnded` and `finish`. A thread's time is counted from its first guest
/// switch; a guest CPU's from its vCPU's first state change until the host's trace ends.
public struct GuestThreadView {
    private struct GuestCPU {
        var current: Int32?
        var since: Int64 = 0
        var vcpuState: VCPUState?
        var pcpu: Int32 = -1
    }
    private var cpus: [Int: GuestCPU] = [:]
    /// Threads not current: since when, and whether runnable.
    private var off: [Int32: (since: Int64, runnable: Bool)] = [:]
    private var holders: [Int32: String] = [:]
    public private(set) var threads: [Int32: GuestThreadTimes] = [:]
    /// Sees every interval as it is counted: (tid, state, from, to), the state an index of
    /// `GuestThreadView.states` (for timelines; nil: totals only).
    public var onInterval: ((Int32, Int, Int64, Int64) -> Void)?
    /// The states `onInterval` numbers: guest, hypervisor, preempted (the vCPU), waiting, blocked.
    public static let states = ["guest", "hypervisor", "preempted", "waiting", "blocked"]

    public init() {}

    private mutating func close(_ n: Int, at t: Int64) {
        guard var cpu = cpus[n] else { return }
        defer { cpu.since = t; cpus[n] = cpu }
        guard let tid = cpu.current, tid != 0, let state = cpu.vcpuState, t > cpu.since else { return }
        let d = t - cpu.since
        switch state {
        case .guest: threads[tid]?.guestNs += d; onInterval?(tid, 0, cpu.since, t)
        case .hypervisor: threads[tid]?.hypervisorNs += d; onInterval?(tid, 1, cpu.since, t)
        case .preempted, .waiting:
            threads[tid]?.vcpuPreemptedNs += d
            threads[tid]?.preemptedBy[holders[cpu.pcpu] ?? "unknown", default: 0] += d
            onInterval?(tid, 2, cpu.since, t)
        case .idle: threads[tid]?.blockedNs += d; onInterval?(tid, 4, cpu.since, t)
        }
    }

    private mutating func known(_ tid: Int32, _ comm: String) {
        guard tid != 0 else { return }
        if threads[tid] == nil { threads[tid] = GuestThreadTimes(tid: tid, comm: comm) } else if !comm.isEmpty { threads[tid]!.comm = comm }
    }

    /// A guest `sched_switch` (on the host clock).
    public mutating func guest(_ s: GuestSwitch) {
        close(s.cpu, at: s.timeNs)
        if s.prevTid != 0 {
            known(s.prevTid, threads[s.prevTid]?.comm ?? "")
            off[s.prevTid] = (s.timeNs, s.prevState == 0)
        }
        if s.nextTid != 0 {
            known(s.nextTid, s.nextComm)
            if let was = off.removeValue(forKey: s.nextTid), s.timeNs > was.since {
                if was.runnable { threads[s.nextTid]!.waitingNs += s.timeNs - was.since } else { threads[s.nextTid]!.blockedNs += s.timeNs - was.since }
                onInterval?(s.nextTid, was.runnable ? 3 : 4, was.since, s.timeNs)
            }
        }
        cpus[s.cpu, default: GuestCPU(since: s.timeNs)].current = s.nextTid
    }

    /// vCPU `n` entered `state` on host CPU `pcpu` at `t`.
    public mutating func vcpu(_ n: Int, state: VCPUState, pcpu: Int32, at t: Int64) {
        close(n, at: t)
        cpus[n, default: GuestCPU(since: t)].vcpuState = state
        cpus[n]!.pcpu = pcpu
    }

    /// `name` runs on host CPU `pcpu` from `t` on.
    public mutating func hostCPU(_ pcpu: Int32, runs name: String, at t: Int64) {
        for (n, cpu) in cpus where cpu.pcpu == pcpu && (cpu.vcpuState == .preempted || cpu.vcpuState == .waiting) { close(n, at: t) }
        holders[pcpu] = name
    }

    /// The host's trace ends at `t`: every guest CPU's open interval is closed there and its
    /// vCPU's state is unknown from then on, so a thread's time current after it is not counted
    /// (its waiting and blocked time, from the guest's own switches, still is).
    public mutating func hostEnded(at t: Int64) {
        for n in cpus.keys {
            close(n, at: t)
            cpus[n]!.vcpuState = nil
        }
    }

    /// Closes every open interval at `t` (the end of the traces).
    public mutating func finish(at t: Int64) {
        for n in cpus.keys { close(n, at: t) }
        for (tid, was) in off.sorted(by: { $0.key < $1.key }) where t > was.since {
            if was.runnable { threads[tid]?.waitingNs += t - was.since } else { threads[tid]?.blockedNs += t - was.since }
            onInterval?(tid, was.runnable ? 3 : 4, was.since, t)
        }
        off = [:]
    }

    /// The threads, by tid.
    public var sorted: [GuestThreadTimes] { threads.values.sorted { $0.tid < $1.tid } }
}
