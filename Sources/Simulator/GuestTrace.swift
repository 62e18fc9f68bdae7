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
///
/// With `syncEvery` > 0, every `syncEvery`-th guest-mode interval of a vCPU (of 2 ns or more) ends
/// with the LTTng VM addons' exchange: the guest writes `vmsync_gh_guest` (cnt c) 1 ns before
/// the exit, the host `vmsync_gh_host` (c) at the exit, `vmsync_hg_host` (c + 1) at the vCPU's next
/// entry, and the guest `vmsync_hg_guest` (c + 1) 1 ns after it. The guest's events are timed on
/// its own clock (`guestTime`): host time + `skewNs`, plus `driftPPB` ns per second of host time
/// since `referenceNs` (the host trace's start), rounded to the ns.
struct GuestTrace {
    static let appPID: Int32 = 1000
    static let quantumNs: Int64 = 2_000_000

    let vmPID: Int32
    let vcpus: Int
    let syncEvery: Int
    let skewNs: Int64
    /// Guest ns gained per 10⁹ host ns (negative: lost), from `referenceNs` on.
    let driftPPB: Int64
    let referenceNs: Int64
    /// The guest module's `vm_uid`.
    let vmUID: Int64
    private var intervalCount: [Int]
    private var pendingReply: [Int64?]
    private var counter: Int64 = 1
    /// The guest's side of the sync messages, on the host clock.
    private(set) var guestSync: [Event] = []
    /// Sync messages exchanged (gh and hg).
    private(set) var syncMessages = 0
    private var vcpuOfTid: [Int32: Int] = [:]
    private var entered: [Int64?]
    /// Guest-mode intervals per vCPU, and whether the vCPU blocked on the host after it.
    private(set) var intervals: [[(start: Int64, end: Int64, blocksAfter: Bool)]]

    init(vmPID: Int32, vcpus: Int, syncEvery: Int = 0, skewNs: Int64 = 0, driftPPB: Int64 = 0, referenceNs: Int64 = 0) {
        self.vmPID = vmPID
        self.vcpus = vcpus
        self.syncEvery = syncEvery
        self.skewNs = skewNs
        self.driftPPB = driftPPB
        self.referenceNs = referenceNs
        vmUID = 0x5EED_0000 + Int64(vmPID)
        intervalCount = Array(repeating: 0, count: vcpus)
        pendingReply = Array(repeating: nil, count: vcpus)
        entered = Array(repeating: nil, count: vcpus)
        intervals = Array(repeating: [], count: vcpus)
    }

    /// One host event, in time order; returns the host's sync events to write just before and
    /// just after it.
    @discardableResult
    mutating func observe(_ e: Event) -> (before: Event?, after: Event?) {
        func sync(_ kind: EventKind, _ count: Int64, at t: Int64, like e: Event) -> Event {
            Event(time: t, cpu: e.cpu, kind: kind, tid: e.tid, pid: e.pid, a: count, b: vmUID)
        }
        switch e.kind {
        case .kvmEntry where e.pid == vmPID:
            let n = Int(e.a)
            guard n >= 0, n < vcpus else { return (nil, nil) }
            vcpuOfTid[e.tid] = n
            entered[n] = e.time
            if let reply = pendingReply[n] {
                pendingReply[n] = nil
                guestSync.append(sync(.vmsyncHGGuest, reply, at: e.time + 1, like: Event(time: 0, cpu: Int32(n), kind: .kvmEntry)))
                syncMessages += 1
                return (sync(.vmsyncHGHost, reply, at: e.time, like: e), nil)
            }
        case .kvmExit where e.pid == vmPID:
            let n = Int(e.c)
            guard n >= 0, n < vcpus, let start = entered[n] else { return (nil, nil) }
            entered[n] = nil
            intervals[n].append((start, e.time, false))
            intervalCount[n] += 1
            if syncEvery > 0, intervalCount[n] % syncEvery == 0, e.time - start >= 2 {
                let count = counter
                counter += 2
                pendingReply[n] = count + 1
                guestSync.append(sync(.vmsyncGHGuest, count, at: e.time - 1, like: Event(time: 0, cpu: Int32(n), kind: .kvmExit)))
                syncMessages += 1
                return (nil, sync(.vmsyncGHHost, count, at: e.time, like: e))
            }
        case .schedSwitch:
            if e.b != 0, let n = vcpuOfTid[Int32(truncatingIfNeeded: e.a)], !intervals[n].isEmpty {
                intervals[n][intervals[n].count - 1].blocksAfter = true
            }
        default:
            break
        }
        return (nil, nil)
    }

    /// The guest clock's reading at host time `h`: h + `skewNs` + `driftPPB` × (h − `referenceNs`) / 10⁹,
    /// rounded (the truth of `guests.csv`).
    static func guestTime(_ h: Int64, skewNs: Int64, driftPPB: Int64, referenceNs: Int64) -> Int64 {
        h + skewNs + (driftPPB == 0 ? 0 : Int64((Double(driftPPB) * Double(h - referenceNs) / 1e9).rounded()))
    }

    /// The guest's tid of thread `k` (0 or 1) on guest CPU `n`.
    static func tid(cpu n: Int, thread k: Int) -> Int32 { appPID + Int32(2 * n + k) }

    /// The guest's events in time order (every guest CPU merged), with `extra` (host-timed events
    /// of the guest, such as its statedump) among them.
    func events(strings: StringTable, extra: [Event] = []) -> [Event] {
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
        // The guest's sync events beside its own, each CPU's in order, then on the guest's clock.
        all += guestSync + extra
        let ordered = all.enumerated().sorted {
            ($0.element.time, $0.element.cpu, $0.offset) < ($1.element.time, $1.element.cpu, $1.offset)
        }
        return ordered.map { item in
            var e = item.element
            e.time = Self.guestTime(e.time, skewNs: skewNs, driftPPB: driftPPB, referenceNs: referenceNs)
            return e
        }
    }
}
