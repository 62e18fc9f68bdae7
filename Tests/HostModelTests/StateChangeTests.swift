import HostModel
import TestSupport
import Testing
import TraceIngest

/// The host model's published state changes (what the report's timelines bin).
@Suite struct StateChangeTests {
    private func changes(_ b: EventBuilder, records: Bool = true) -> [ThreadStateChange] {
        let model = HostModel(strings: b.strings, configuration: .init(recordsStateChanges: records))
        var out: [ThreadStateChange] = []
        for e in b.sorted {
            model.consume(e)
            model.drainStateChanges { out.append($0) }
            #expect(model.stateChanges.isEmpty)
        }
        model.finish()
        return out
    }

    /// qemu pid 100 with vCPU 101 and I/O thread 102, host process 200, on CPUs 0 and 1.
    private func trace() -> EventBuilder {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.thread(0, tid: 102, pid: 100, "worker")
        b.thread(0, tid: 200, pid: 200, "stress")
        b.schedSwitch(1 * ms, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.kvmEntry(2 * ms, cpu: 0, tid: 101, vcpu: 0)
        b.kvmExit(5 * ms, cpu: 0, tid: 101, reason: 1)
        b.schedSwitch(6 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 0, next: 200, "stress")
        b.schedSwitch(8 * ms, cpu: 0, prev: 200, "stress", state: 1, next: 101, "CPU 0/KVM")
        b.schedSwitch(10 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 1, next: 0, "swapper/0")
        b.wakeup(12 * ms, cpu: 1, tid: 101, "CPU 0/KVM", targetCPU: 0)
        // Woken again while already waiting: no change.
        b.wakeup(13 * ms, cpu: 1, tid: 101, "CPU 0/KVM", targetCPU: 0)
        // The I/O thread is first seen woken (assumed idle before: not a change), then runs on CPU 1.
        b.wakeup(14 * ms, cpu: 0, tid: 102, "worker", targetCPU: 1)
        b.schedSwitch(15 * ms, cpu: 1, prev: 0, "swapper/1", state: 0, next: 102, "worker")
        return b
    }

    @Test func eachChangeAnEventShowsIsPublishedOnceInOrder() {
        let got = changes(trace())
        let want: [ThreadStateChange] = [
            .init(tid: 101, cpu: 0, state: .hypervisor, timeNs: 1 * ms),
            .init(tid: 101, cpu: 0, state: .guest, timeNs: 2 * ms),
            .init(tid: 101, cpu: 0, state: .hypervisor, timeNs: 5 * ms),
            .init(tid: 101, cpu: 0, state: .preempted, timeNs: 6 * ms),
            .init(tid: 101, cpu: 0, state: .hypervisor, timeNs: 8 * ms),
            .init(tid: 101, cpu: 0, state: .idle, timeNs: 10 * ms),
            .init(tid: 101, cpu: 0, state: .waiting, timeNs: 12 * ms),
            .init(tid: 102, cpu: 1, state: .waiting, timeNs: 14 * ms),
            .init(tid: 102, cpu: 1, state: .hypervisor, timeNs: 15 * ms),
        ]
        #expect(got == want)
        // The host process is not a VM thread: never published.
        #expect(!got.contains { $0.tid == 200 })
    }

    @Test func withoutRecordingNothingIsKept() {
        #expect(changes(trace(), records: false).isEmpty)
    }

    @Test func sched_wakingIsTheWakeupAndTheLaterSched_wakeupChangesNothing() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.schedSwitch(1 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 1, next: 0, "swapper/0")
        let comm = b.strings.intern("CPU 0/KVM")
        b.add(Event(time: 3 * ms, cpu: 0, kind: .schedWaking, a: 101, b: 0, s1: comm))
        b.wakeup(4 * ms, cpu: 0, tid: 101, "CPU 0/KVM", targetCPU: 0)
        #expect(changes(b).map { [$0.timeNs / ms, Int64($0.state.rawValue)] } == [[1, 4], [3, 3]])
    }
}
