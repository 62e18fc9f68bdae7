import HostModel
import TestSupport
import Testing
import TraceIngest

/// The host model takes a field's value as data: no CPU, CPUs out of range, far-future times,
/// absurd sizes and vCPU numbers never trap and never step through billions of windows.
@Suite struct HostModelRobustnessTests {
    /// The preemption of `StateMachineTests` on a given CPU number.
    func preemption(cpu: Int32) -> EventBuilder {
        var b = EventBuilder()
        b.thread(1000 * ms, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(1000 * ms, tid: 101, pid: 100, "CPU 0/KVM")
        b.thread(1000 * ms, tid: 200, pid: 200, "hog")
        b.schedSwitch(1000 * ms, cpu: cpu, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.schedSwitch(1040 * ms, cpu: cpu, prev: 101, "CPU 0/KVM", state: 0, next: 200, "hog")
        b.schedSwitch(1070 * ms, cpu: cpu, prev: 200, "hog", state: 1, next: 101, "CPU 0/KVM")
        b.schedSwitch(1090 * ms, cpu: cpu, prev: 101, "CPU 0/KVM", state: 1, next: 0, "swapper/0")
        return b
    }

    @Test func eventsOnNoCPUAreTheirOwnBucket() {
        for cpu: Int32 in [-1, Int32(truncatingIfNeeded: 0xFFFF_FFFF), 4096, .max] {
            let run = ModelRun(preemption(cpu: cpu))
            let w = run.windows(of: "qemu-system-x86-100")
            #expect(w.count == 1)
            #expect(w.first?.states[.preempted] == 30 * ms)
            #expect(w.first?.stolenByName["hog"] == 30 * ms)
        }
    }

    @Test func onTheUnknownCPUTheEventsOwnThreadIsCurrent() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.thread(0, tid: 200, pid: 200, "backup")
        b.schedSwitch(1 * ms, cpu: -1, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.schedSwitch(2 * ms, cpu: -1, prev: 0, "swapper/2", state: 0, next: 200, "backup")
        b.kvmEntry(3 * ms, cpu: -1, tid: 101, vcpu: 0)
        let run = ModelRun(b)
        #expect(run.model.registry.vms.map(\.name) == ["qemu-system-x86-100"])
    }

    @Test func aGapOfMoreThanAnHourIsNotSteppedThroughWindowByWindow() {
        var b = preemption(cpu: 0)
        let far: Int64 = 1 << 61
        b.schedSwitch(far, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.schedSwitch(far + 50 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 1, next: 0, "swapper/0")
        let run = ModelRun(b)
        let w = run.windows(of: "qemu-system-x86-100")
        #expect(w.count == 2)
        #expect(w.last?.observedStartNs == far)
        #expect(w.last?.states.total == 50 * ms)
    }

    @Test func aGapOfLessThanAnHourKeepsEveryWindow() {
        var b = preemption(cpu: 0)
        b.schedSwitch(1090 * ms + 10_000 * ms, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        let run = ModelRun(b)
        #expect(run.windows(of: "qemu-system-x86-100").count == 101)
    }

    @Test func absurdSizesAndVCPUNumbersDoNotTrap() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.schedSwitch(1 * ms, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.kvmEntry(2 * ms, cpu: 0, tid: 101, vcpu: .max)
        b.add(Event(time: 3 * ms, cpu: 0, kind: .blockRqIssue, tid: 101, a: 8 << 20, b: 0, c: .max, d: 0, s1: b.strings.intern("W")))
        b.add(Event(time: 4 * ms, cpu: 0, kind: .blockRqIssue, tid: 101, a: 8 << 20, b: 1, c: 0, d: .max, s1: b.strings.intern("W")))
        b.add(Event(time: 5 * ms, cpu: 0, kind: .netDevXmit, tid: 101, a: 1, b: .max, s1: b.strings.intern("tap0")))
        b.add(Event(time: 6 * ms, cpu: 0, kind: .netDevXmit, tid: 101, a: 2, b: .max, s1: b.strings.intern("tap0")))
        b.thread(7 * ms, tid: 102, pid: 100, "qemu-system-x86")
        b.kvmEntry(8 * ms, cpu: 1, tid: 102, vcpu: -1)
        let run = ModelRun(b)
        let w = run.windows(of: "qemu-system-x86-100")
        #expect(w.first?.diskWriteBytes == 2 << 40)
        #expect(w.first?.netTxBytes == 2 << 40)
    }
}
