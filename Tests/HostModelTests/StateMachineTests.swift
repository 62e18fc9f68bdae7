@testable import HostModel
import TestSupport
import Testing
import TraceIngest

@Suite struct StateMachineTests {
    /// qemu pid 100 with vCPU 101, host process `hog` 200, on one CPU.
    func preemptionTrace() -> EventBuilder {
        var b = EventBuilder()
        b.thread(1000 * ms, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(1000 * ms, tid: 101, pid: 100, "CPU 0/KVM")
        b.thread(1000 * ms, tid: 200, pid: 200, "hog")
        b.schedSwitch(1000 * ms, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.schedSwitch(1040 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 0, next: 200, "hog")
        b.schedSwitch(1070 * ms, cpu: 0, prev: 200, "hog", state: 1, next: 101, "CPU 0/KVM")
        b.schedSwitch(1090 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 1, next: 0, "swapper/0")
        b.wakeup(1095 * ms, cpu: 0, tid: 101, "CPU 0/KVM", targetCPU: 0, waker: 0)
        b.schedSwitch(1098 * ms, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.schedSwitch(1150 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 1, next: 0, "swapper/0")
        return b
    }

    @Test func statesSumToTheWindowAndMatchTheSwitches() {
        let run = ModelRun(preemptionTrace())
        let windows = run.windows(of: "qemu-system-x86-100")
        #expect(windows.count == 2)
        let w = windows[0]
        #expect(w.index == 10)
        #expect(w.states[.hypervisor] == 62 * ms)   // running: 40 + 20 + 2
        #expect(w.states[.guest] == 0)
        #expect(w.states[.preempted] == 30 * ms)
        #expect(w.states[.idle] == 5 * ms)
        #expect(w.states[.waiting] == 3 * ms)
        #expect(w.states.total == 100 * ms)
        #expect(windows[1].states[.hypervisor] == 50 * ms)
        #expect(windows[1].observedEndNs == 1150 * ms)
    }

    @Test func recordsWhoRanInsteadAndWhy() {
        let run = ModelRun(preemptionTrace())
        let w = run.windows(of: "qemu-system-x86-100")[0]
        #expect(w.preemptions == 1)
        #expect(w.wakeups == 1)
        #expect(w.waitLatencies == [3 * ms])
        #expect(w.preemptedDurations == [30 * ms])
        #expect(w.stolenByName["hog"] == 30 * ms)
        #expect(w.stolenByKind[StealerKind.host.rawValue] == 30 * ms)
        #expect(w.stolenByKind[StealerKind.vm.rawValue] == 0)
        #expect(w.wakeCauses[WakeCause.timer.rawValue] == 1)
        #expect(w.keys[EventKey(.preemptedBy, "hog")] == 1)
        #expect(w.activeVCPUs == [101])
    }

    @Test func anotherVMTakingTheCPUIsAVMSteal() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/TCG")
        b.thread(0, tid: 300, pid: 300, "qemu-system-x86")
        b.thread(0, tid: 301, pid: 300, "CPU 0/TCG")
        b.schedSwitch(0, cpu: 1, prev: 0, "swapper/1", state: 0, next: 101, "CPU 0/TCG")
        b.wakeup(10 * ms, cpu: 1, tid: 301, "CPU 0/TCG", targetCPU: 1, waker: 101)
        b.schedSwitch(20 * ms, cpu: 1, prev: 101, "CPU 0/TCG", state: 256, next: 301, "CPU 0/TCG")
        b.schedSwitch(50 * ms, cpu: 1, prev: 301, "CPU 0/TCG", state: 0, next: 101, "CPU 0/TCG")
        b.schedSwitch(99 * ms, cpu: 1, prev: 101, "CPU 0/TCG", state: 1, next: 0, "swapper/1")
        let run = ModelRun(b, vmNames: [100: "victim", 300: "noisy"])
        #expect(run.model.registry.vms.map(\.name) == ["victim", "noisy"])
        let victim = run.windows(of: "victim")[0]
        #expect(victim.stolenByName["noisy"] == 30 * ms)
        #expect(victim.stolenByKind[StealerKind.vm.rawValue] == 30 * ms)
        #expect(victim.states[.preempted] == 30 * ms)   // state 256 is TASK_REPORT_MAX: preempted
        let noisy = run.windows(of: "noisy")[0]
        #expect(noisy.states[.waiting] == 10 * ms)        // woken at 10, ran at 20
        // woken at 10 while victim ran (10 ms), preempted at 50 until the end at 99 (49 ms)
        #expect(noisy.stolenByName["victim"] == 59 * ms)
        #expect(noisy.waitLatencies == [10 * ms])
    }

    @Test func kvmEntryAndExitSplitGuestAndHypervisor() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "qemu-system-x86")   // no debug-threads: only kvm marks the vCPU
        b.schedSwitch(0, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "qemu-system-x86")
        b.kvmEntry(1 * ms, cpu: 0, tid: 101, vcpu: 0)
        b.kvmExit(5 * ms, cpu: 0, tid: 101, reason: 48)
        b.kvmEntry(6 * ms, cpu: 0, tid: 101, vcpu: 0)
        b.kvmExit(9 * ms, cpu: 0, tid: 101, reason: 1)
        b.schedSwitch(10 * ms, cpu: 0, prev: 101, "qemu-system-x86", state: 1, next: 0, "swapper/0")
        let run = ModelRun(b, windowNs: 10 * ms)
        #expect(run.model.registry.vms.count == 1)
        #expect(run.model.registry.vms[0].vcpus == [VMIdentity.VCPU(tid: 101, vcpu: 0)])
        let w = run.windows[0]
        #expect(w.states[.guest] == 7 * ms)
        #expect(w.states[.hypervisor] == 3 * ms)
        #expect(w.exitsByReason[ExitReason(rawValue: 48)] == 1)
        #expect(w.exitsByReason[ExitReason(rawValue: 1)] == 1)
        #expect(w.entries == 2)
        #expect(w.exitHandling.count == 1)
        #expect(w.exitHandling.sum == Double(1 * ms))
        #expect(w.keys[EventKey(.exit, "EPT_VIOLATION")] == 1)
    }

    @Test func aMissingWakeupDoesNotBreakTheModel() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.schedSwitch(0, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.schedSwitch(40 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 1, next: 0, "swapper/0")
        // the wakeup was lost: the vCPU just switches in again
        b.schedSwitch(70 * ms, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.schedSwitch(100 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 1, next: 0, "swapper/0")
        let w = ModelRun(b).windows[0]
        #expect(w.states[.hypervisor] == 70 * ms)
        #expect(w.states[.idle] == 30 * ms)
        #expect(w.waitLatencies.isEmpty)
        #expect(w.wakeups == 0)
    }

    @Test func aThreadFirstSeenLeavingTheCPUWasRunningSinceTheWindowStart() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.softirq(0, cpu: 1, vector: 1)
        b.schedSwitch(30 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 1, next: 0, "swapper/0")
        b.softirq(100 * ms - 1, cpu: 1, vector: 1)
        let w = ModelRun(b).windows[0]
        #expect(w.states[.hypervisor] == 30 * ms)
        #expect(w.states[.idle] == 70 * ms - 1)
    }

    @Test func migrationMovesTheWaitToTheNewCPU() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.thread(0, tid: 200, pid: 200, "hog")
        b.thread(0, tid: 201, pid: 201, "make")
        b.schedSwitch(0, cpu: 0, prev: 0, "swapper/0", state: 0, next: 200, "hog")
        b.schedSwitch(0, cpu: 1, prev: 0, "swapper/1", state: 0, next: 201, "make")
        b.wakeup(10 * ms, cpu: 0, tid: 101, "CPU 0/KVM", targetCPU: 0, waker: 200)
        b.migrate(20 * ms, cpu: 0, tid: 101, from: 0, to: 1)
        b.schedSwitch(50 * ms, cpu: 1, prev: 201, "make", state: 1, next: 101, "CPU 0/KVM")
        b.schedSwitch(100 * ms, cpu: 1, prev: 101, "CPU 0/KVM", state: 1, next: 0, "swapper/1")
        let w = ModelRun(b).windows[0]
        #expect(w.migrations == 1)
        #expect(w.states[.waiting] == 40 * ms)
        #expect(w.stolenByName["hog"] == 10 * ms)
        #expect(w.stolenByName["make"] == 30 * ms)
        #expect(w.wakeCauses[WakeCause.other.rawValue] == 1)
    }

    @Test func anotherVCPUOfTheSameVMWakingIsAnIPI() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.thread(0, tid: 102, pid: 100, "CPU 1/KVM")
        b.schedSwitch(0, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.wakeup(5 * ms, cpu: 0, tid: 102, "CPU 1/KVM", targetCPU: 1, waker: 101)
        let run = ModelRun(b)
        #expect(run.model.registry.vms[0].vcpus.map(\.vcpu) == [0, 1])
        #expect(run.windows[0].wakeCauses[WakeCause.ipi.rawValue] == 1)
    }
}

@Suite struct InjectionTests {
    @Test func anInterruptInjectedByTheVhostMakesTheWakeupANetworkOne() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.thread(0, tid: 150, pid: 150, "vhost-100")
        b.thread(0, tid: 200, pid: 200, "sshd")
        b.schedSwitch(0, cpu: 1, prev: 0, "swapper/1", state: 0, next: 150, "vhost-100")
        b.add(Event(time: 1 * ms, cpu: 1, kind: .kvmMsiSetIrq, tid: 150, a: 0xfee0_0000, b: 0x4041))
        // The wakeup itself is issued while an unrelated task is current: the injection decides.
        b.schedSwitch(1 * ms + 10_000, cpu: 1, prev: 150, "vhost-100", state: 1, next: 200, "sshd")
        b.wakeup(1 * ms + 50_000, cpu: 1, tid: 101, "CPU 0/KVM", targetCPU: 0, waker: 200)
        b.wakeup(50 * ms, cpu: 1, tid: 101, "CPU 0/KVM", targetCPU: 0, waker: 200)   // not idle: ignored
        let w = ModelRun(b).windows[0]
        #expect(w.wakeCauses[WakeCause.net.rawValue] == 1)
        #expect(w.wakeCauses[WakeCause.other.rawValue] == 0)
    }
}

/// A VM's own threads taking its vCPU's CPU is self-contention, not a neighbour.
@Suite struct SelfContentionTests {
    @Test func ownThreadsAreSelfContentionNotANeighbour() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.thread(0, tid: 300, pid: 300, "hog")
        b.schedSwitch(1 * ms, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.schedSwitch(10 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 0, next: 100, "qemu-system-x86")
        b.schedSwitch(20 * ms, cpu: 0, prev: 100, "qemu-system-x86", state: 1, next: 300, "hog")
        b.schedSwitch(25 * ms, cpu: 0, prev: 300, "hog", state: 1, next: 101, "CPU 0/KVM")
        let run = ModelRun(b, vmNames: [100: "web"])
        let w = run.windows(of: "web")[0]
        #expect(w.stolenByKind[StealerKind.same.rawValue] == 10 * ms)
        #expect(w.stolenByName == ["hog": 5 * ms])
        #expect(w.keys[EventKey(.preemptedBy, EventKey.ownThreads)] == 1)
        #expect(w.keys.keys.allSatisfy { $0.detail != "web" })
        #expect(run.model.selfContentionTotals[0] == 10 * ms)
        #expect(run.model.stolenTotals[0] == ["hog": 5 * ms])
    }

    /// A vCPU whose switch-in was lost (seen entering the guest on another CPU) stops losing
    /// time to the task on the CPU it waited for: the time held by others never exceeds the
    /// time it was preempted or waiting.
    @Test func aWaiterSeenRunningStopsBeingCharged() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.thread(0, tid: 300, pid: 300, "hog")
        b.kvmEntry(1 * ms, cpu: 0, tid: 101, vcpu: 0)
        b.schedSwitch(10 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 0, next: 300, "hog")
        b.kvmExit(12 * ms, cpu: 1, tid: 101, reason: 1)
        b.kvmEntry(13 * ms, cpu: 1, tid: 101, vcpu: 0)
        b.schedSwitch(60 * ms, cpu: 0, prev: 300, "hog", state: 1, next: 0, "swapper/0")
        let run = ModelRun(b, vmNames: [100: "web"])
        let w = run.windows(of: "web")[0]
        #expect(w.stolenByName["hog"] == 2 * ms)
        #expect(w.stolenByName.values.reduce(0, +) <= w.states[.preempted] + w.states[.waiting])
    }
}

/// `ClockSync`: the LTTng VM addons' messages, built in memory.
@Suite struct ClockSyncTests {
    func sync(_ kind: EventKind, _ count: Int64, _ t: Int64, uid: Int64 = 7, vm: Int32? = nil) -> SyncEvent {
        SyncEvent(kind: kind, count: count, vmUID: uid, timeNs: t, tid: 11, vmPID: vm)
    }

    @Test func theOffsetIsTheMiddleOfTheTightestBoundsAndTheVMIsTheReceiver() {
        // Guest clock = host clock + 1000 ns; each message takes 10 ns (gh) or 30 ns (hg).
        let guest = [sync(.vmsyncGHGuest, 1, 1_000), sync(.vmsyncHGGuest, 2, 1_530),
                     sync(.vmsyncGHGuest, 3, 5_000), sync(.vmsyncHGGuest, 4, 5_100),
                     sync(.vmsyncGHGuest, 9, 9_000, uid: 8)]                  // another guest's uid
        let host = [sync(.vmsyncGHHost, 1, 10, vm: 40), sync(.vmsyncHGHost, 2, 500, vm: 40),
                    sync(.vmsyncGHHost, 3, 4_020, vm: 40), sync(.vmsyncHGHost, 4, 4_090, vm: 40),
                    sync(.vmsyncGHHost, 5, 4_500, vm: 41)]                   // never sent by this guest
        let found = ClockSync.match(guest: guest, host: host)
        // upper = min(10 − 1000, 4020 − 5000) = −990; lower = max(500 − 1530, 4090 − 5100) = −1010.
        #expect(found == ClockSync(vmPID: 40, messages: 4, offsetNs: -1000, lowerNs: -1010, upperNs: -990))
    }

    @Test func aDriftingGuestClockIsFitByTheLineOfMiddleSlopeBetweenTheBounds() {
        // Host − guest = 500 − 10⁻⁶ × g (the guest gains 1 µs per s), every message 1 ns each
        // way: gh bounds at line + 1, hg at line − 1, four exchanges 1 s apart from g = 0.
        func line(_ g: Int64) -> Int64 { 500 - g / 1_000_000 }
        var guest: [SyncEvent] = [], host: [SyncEvent] = []
        for k in Int64(0)..<4 {
            let g = k * 1_000_000_000
            guest.append(sync(.vmsyncGHGuest, 2 * k + 1, g)); host.append(sync(.vmsyncGHHost, 2 * k + 1, g + line(g) + 1, vm: 40))
            guest.append(sync(.vmsyncHGGuest, 2 * k + 2, g + 10)); host.append(sync(.vmsyncHGHost, 2 * k + 2, g + 10 + line(g) - 1, vm: 40))
        }
        let found = ClockSync.match(guest: guest, host: host)!
        #expect(found.lowerNs == 499 && found.upperNs == -2_499)  // no one offset fits: 499 > −2499
        // The slopes that fit run from −3002 / (3 × 10⁹ + 10) to −2998 / (3 × 10⁹ − 10) (the
        // first hg against the last gh and back); their middle is −10⁻⁶ to 10⁻¹⁷.
        #expect(abs(found.driftPerNs - -1e-6) < 1e-11, "\(found.driftPerNs)")
        #expect(found.referenceNs == 1_500_000_005)
        #expect(found.offsetNs == 500 - 1_500)                     // the line at the middle guest time
        for (e, hEvent) in zip(guest, host) {
            #expect(abs(found.hostTime(e.timeNs) - hEvent.timeNs) <= 1, "\(e.kind) \(e.count)")
        }
    }

    @Test func whenNoLineFitsTheFitIsTheLineThatMissesByLeast() {
        // One clock, but the hg message at 2 s arrived 4 ns "before" it was sent (bounds: h − g ≤ 1
        // from gh, ≥ −1 from hg, and ≥ 3 from the bad one): the best line misses it by 1 ns each way.
        let guest = [sync(.vmsyncGHGuest, 1, 0), sync(.vmsyncHGGuest, 2, 10), sync(.vmsyncGHGuest, 3, 2_000_000_000),
                     sync(.vmsyncHGGuest, 4, 2_000_000_010), sync(.vmsyncGHGuest, 5, 4_000_000_000), sync(.vmsyncHGGuest, 6, 4_000_000_010)]
        let host = [sync(.vmsyncGHHost, 1, 1, vm: 40), sync(.vmsyncHGHost, 2, 9, vm: 40), sync(.vmsyncGHHost, 3, 2_000_000_001, vm: 40),
                    sync(.vmsyncHGHost, 4, 2_000_000_013, vm: 40), sync(.vmsyncGHHost, 5, 4_000_000_001, vm: 40), sync(.vmsyncHGHost, 6, 4_000_000_009, vm: 40)]
        let found = ClockSync.match(guest: guest, host: host)!
        #expect(found.lowerNs == 3 && found.upperNs == 1)
        // Slope 0 leaves a gap of 3 − 1 = 2 ns; any other slope more (the bounds at 0 s and 4 s pin it).
        #expect(abs(found.driftPerNs) < 1e-12)
        #expect(found.offsetNs == 2)
    }

    @Test func aDriftingGuestClockIsFitWithinItsMessagesLatency() {
        // Guest clock = host clock × (1 + 10⁻⁴) + 1000 ns: it gains 100 µs per s. One exchange
        // every 10 ms for 1 s; gh takes 10 ns, hg 10 ns.
        func g(_ h: Int64) -> Int64 { h + h / 10_000 + 1_000 }
        var guest: [SyncEvent] = [], host: [SyncEvent] = []
        for k in Int64(0)..<100 {
            let h = k * 10_000_000
            guest.append(sync(.vmsyncGHGuest, 2 * k + 1, g(h))); host.append(sync(.vmsyncGHHost, 2 * k + 1, h + 10, vm: 40))
            host.append(sync(.vmsyncHGHost, 2 * k + 2, h + 1_000)); guest.append(sync(.vmsyncHGGuest, 2 * k + 2, g(h + 1_010)))
        }
        let found = ClockSync.match(guest: guest, host: host)!
        #expect(found.lowerNs! > found.upperNs!)               // no one offset fits
        // host = guest × 1/(1 + 10⁻⁴) − …: drift −99.99 ppm; within 0.1 ppm.
        #expect(abs(found.driftPerNs - (-1e-4 / (1 + 1e-4))) < 1e-7)
        // Every message's host time is found from its guest time within the 10 ns it took.
        for (e, hEvent) in zip(guest, host) {
            let h = found.hostTime(e.timeNs)
            #expect(abs(h - hEvent.timeNs) <= 20, "\(e.kind) \(e.count): \(h) vs \(hEvent.timeNs)")
        }
    }

    @Test func clockPingsBoundTheOffsetBothWaysAndItIsTheMiddleOfTheTightest() {
        // Guest clock = host clock − 1000 ns (host − guest = 1000). Ping 1: sent at host 100, seen
        // at guest −850, answered back at host 400: h − g in [100 + 850, 400 + 850] = [950, 1250];
        // ping 2: [980, 1010]; ping 3: [990, 1030].
        let pings = [ClockPing(hostSentNs: 100, guestNs: -850, hostReceivedNs: 400),
                     ClockPing(hostSentNs: 1_000, guestNs: 20, hostReceivedNs: 1_030),
                     ClockPing(hostSentNs: 2_000, guestNs: 1_010, hostReceivedNs: 2_040)]
        let found = ClockSync.fit(pings: pings, vmPID: 40)
        // lower = max(950, 980, 990) = 990, upper = min(1250, 1010, 1030) = 1010: the middle, 1000.
        #expect(found == ClockSync(vmPID: 40, messages: 3, offsetNs: 1_000, lowerNs: 990, upperNs: 1_010))
        #expect(found?.hostTime(20) == 1_020)
        #expect(ClockSync.fit(pings: [], vmPID: 40) == nil)
    }

    @Test func clockPingsOfAGuestClockThatDriftsAreFitByALine() {
        // Host − guest = 5000 + 10⁻⁵ × g (the guest loses 10 µs per s); pings 1 s apart, 20 ns each
        // way: one offset cannot fit 0 s and 3 s (30 µs apart), the line finds every host time.
        func hostOf(_ g: Int64) -> Int64 { g + 5_000 + g / 100_000 }
        let pings = (Int64(0)..<4).map { k -> ClockPing in
            let g = k * 1_000_000_000
            return ClockPing(hostSentNs: hostOf(g) - 20, guestNs: g, hostReceivedNs: hostOf(g) + 20)
        }
        let found = ClockSync.fit(pings: pings, vmPID: 7)!
        #expect(found.lowerNs! > found.upperNs!)
        #expect(abs(found.driftPerNs - 1e-5) < 1e-10, "\(found.driftPerNs)")
        for p in pings { #expect(abs(found.hostTime(p.guestNs) - hostOf(p.guestNs)) <= 1) }
    }

    @Test func noMessageInCommonIsNoMatch() {
        #expect(ClockSync.match(guest: [sync(.vmsyncGHGuest, 1, 5)], host: [sync(.vmsyncGHHost, 1, 9, uid: 3, vm: 40)]) == nil)
        #expect(ClockSync.match(guest: [], host: []) == nil)
    }

    @Test func theHostModelKeepsSyncEventsWithTheVMOfTheirThread() {
        let strings = StringTable()
        let model = HostModel(strings: strings)
        let cpu = strings.intern("CPU 0/KVM")
        model.consume(Event(time: 1, cpu: 0, kind: .schedSwitch, tid: 0, pid: 0, a: 0, b: 0, c: 41, s1: strings.intern("swapper/0"), s2: cpu))
        model.consume(Event(time: 2, cpu: 0, kind: .kvmEntry, tid: 41, pid: 40, a: 0))
        model.consume(Event(time: 3, cpu: 0, kind: .kvmExit, tid: 41, pid: 40, a: 18, b: 1, c: 0))
        model.consume(Event(time: 3, cpu: 0, kind: .vmsyncGHHost, tid: 41, pid: 40, a: 5, b: 99))
        model.finish()
        #expect(model.syncEvents == [SyncEvent(kind: .vmsyncGHHost, count: 5, vmUID: 99, timeNs: 3, tid: 41, vmPID: 40)])
    }
}

/// `GuestThreadView`: one vCPU preempted by a host thread while two guest threads alternate on it.
@Suite struct GuestThreadViewTests {
    @Test func eachGuestThreadsTimeIsSplitByItsVCPUsStateAndWhoHeldThePCPU() {
        var view = GuestThreadView()
        let a: Int32 = 1000, b: Int32 = 1001
        func sw(_ t: Int64, _ prev: Int32, _ state: Int64, _ next: Int32) {
            view.guest(GuestSwitch(timeNs: t, cpu: 0, prevTid: prev, prevState: state, nextTid: next, nextComm: next == 0 ? "swapper/0" : "app"))
        }
        // Host: vCPU 0 in guest mode from 0, an exit handled 100–120, preempted by `hog` on
        // pCPU 2 from 300 to 500, then back in guest mode to the end (700).
        view.vcpu(0, state: .guest, pcpu: 2, at: 0)
        sw(0, 0, 0, a)
        view.vcpu(0, state: .hypervisor, pcpu: 2, at: 100)
        view.vcpu(0, state: .guest, pcpu: 2, at: 120)
        sw(200, a, 0, b)                                   // A preempted in the guest: runnable
        view.vcpu(0, state: .preempted, pcpu: 2, at: 300)
        view.hostCPU(2, runs: "hog", at: 300)
        view.hostCPU(2, runs: "web", at: 500)
        view.vcpu(0, state: .guest, pcpu: 2, at: 500)
        sw(550, b, 0, a)
        sw(650, a, 1, 0)                                   // A blocks: the guest idles
        view.finish(at: 700)
        var ta = GuestThreadTimes(tid: a, comm: "app")
        ta.guestNs = 100 + 80 + 100; ta.hypervisorNs = 20; ta.waitingNs = 350; ta.blockedNs = 50
        var tb = GuestThreadTimes(tid: b, comm: "app")
        tb.guestNs = 100 + 50; tb.vcpuPreemptedNs = 200; tb.preemptedBy = ["hog": 200]; tb.waitingNs = 150
        #expect(view.sorted == [ta, tb])
    }

    @Test func afterTheHostTraceEndsCurrentTimeIsNotCountedButWaitingAndBlockedAre() {
        var view = GuestThreadView()
        let a: Int32 = 1000, b: Int32 = 1001
        func sw(_ t: Int64, _ prev: Int32, _ state: Int64, _ next: Int32) {
            view.guest(GuestSwitch(timeNs: t, cpu: 0, prevTid: prev, prevState: state, nextTid: next, nextComm: "app"))
        }
        // The vCPU is preempted by `hog` from 100; the host trace ends at 200, the guest's at 400.
        view.vcpu(0, state: .guest, pcpu: 1, at: 0)
        sw(0, 0, 0, a)
        view.vcpu(0, state: .preempted, pcpu: 1, at: 100)
        view.hostCPU(1, runs: "hog", at: 100)
        view.hostEnded(at: 200)
        sw(300, a, 0, b)                                   // A runnable 300–400, B current: unknown
        sw(350, b, 1, a)                                   // B blocked 350–400
        view.finish(at: 400)
        var ta = GuestThreadTimes(tid: a, comm: "app")
        ta.guestNs = 100; ta.vcpuPreemptedNs = 100; ta.preemptedBy = ["hog": 100]; ta.waitingNs = 50
        var tb = GuestThreadTimes(tid: b, comm: "app")
        tb.blockedNs = 50
        #expect(view.sorted == [ta, tb])
    }
}
