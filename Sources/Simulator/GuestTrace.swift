import TraceIngest

/// The kernel trace a simulated VM's guest would write itself (`Scenario.guestTraces`): its own
/// hostname (the VM's name), its own CPUs (one per vCPU) and its own thread ids, which overlap
/// the host's on purpose (tids 1000+, the host's `ksoftirqd` range), so that reading the two as
/// one machine would mix them.
///
/// The guest runs only while its vCPU is in guest mode, so its events are timed inside the host's
/// `kvm_entry` → `kvm_exit` intervals of that vCPU, on the same clock. On each guest CPU `n` two
/// threads of process `app` (pid 1000; tids 1000+2n and 1001+2n) take turns: a `sched_switch`
/// (prev_state 0) in the first interval after each `quantumNs`; before the vCPU blocks on the host
/// (HLT: switched out with a non-zero state after its exit) the current thread blocks
/// (prev_state 1) and the guest runs its idle task until the next interval.
struct GuestTrace {
    static let appPID: Int32 = 1000
    static let quantumNs: Int64 = 2_000_000

    let vmPID: Int32
    let vcpus: Int
    private var vcpuOfTid: [Int32: Int] = [:]
    private var entered: [Int64?]
    /// Guest-mode intervals per vCPU, and whether the vCPU blocked on the host after it.
    private(set) var intervals: [[(start: Int64, end: Int64, blocksAfter: Bool)]]

    init(vmPID: Int32, vcpus: Int) {
        self.vmPID = vmPID
        self.vcpus = vcpus
        entered = Array(repeating: nil, count: vcpus)
        intervals = Array(repeating: [], count: vcpus)
    }

    /// One host event, in time order.
    mutating func observe(_ e: Event) {
        switch e.kind {
        case .kvmEntry where e.pid == vmPID:
            let n = Int(e.a)
            guard n >= 0, n < vcpus else { return }
            vcpuOfTid[e.tid] = n
            entered[n] = e.time
        case .kvmExit where e.pid == vmPID:
            let n = Int(e.c)
            guard n >= 0, n < vcpus, let start = entered[n] else { return }
            entered[n] = nil
            intervals[n].append((start, e.time, false))
        case .schedSwitch:
            if e.b != 0, let n = vcpuOfTid[Int32(truncatingIfNeeded: e.a)], !intervals[n].isEmpty {
                intervals[n][intervals[n].count - 1].blocksAfter = true
            }
        default:
            break
        }
    }

    /// The guest's tid of thread `k` (0 or 1) on guest CPU `n`.
    static func tid(cpu n: Int, thread k: Int) -> Int32 { appPID + Int32(2 * n + k) }

    /// The guest's events in time order (every guest CPU merged).
    func events(strings: StringTable) -> [Event] {
        let app = strings.intern("app")
        var all: [Event] = []
        for n in 0..<vcpus {
            let swapper = strings.intern("swapper/\(n)")
            var current: Int32 = 0          // 0: the idle task
            var turn = 0
            var nextSwitch = Int64.min
            func name(_ tid: Int32) -> Int32 { tid == 0 ? swapper : app }
            func switchTo(_ next: Int32, at t: Int64, state: Int64) {
                all.append(Event(time: t, cpu: Int32(n), kind: .schedSwitch, tid: current, pid: current == 0 ? 0 : Self.appPID,
                                 a: Int64(current), b: state, c: Int64(next), s1: name(current), s2: name(next)))
                current = next
            }
            for interval in intervals[n] where interval.end - interval.start >= 3 {
                let first = interval.start + (interval.end - interval.start) / 3
                let second = interval.start + 2 * (interval.end - interval.start) / 3
                if current == 0 || first >= nextSwitch {
                    turn = current == 0 ? turn : 1 - turn
                    switchTo(Self.tid(cpu: n, thread: turn), at: first, state: 0)
                    nextSwitch = first + Self.quantumNs
                }
                if interval.blocksAfter {
                    switchTo(0, at: second, state: 1)
                }
            }
        }
        return all.sorted { $0.time != $1.time ? $0.time < $1.time : $0.cpu < $1.cpu }
    }
}
