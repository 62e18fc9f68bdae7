import Foundation
import HostModel
import TestSupport
import Testing
import TraceIngest

/// The kvm path that skips the registry while it is unchanged (issue 18) still sees every change:
/// a vCPU number that changes, a thread whose process becomes known, and the totals it keeps.
@Suite struct KVMFastPathTests {
    @Test func aChangedVCPUNumberIsStillNoted() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "qemu-system-x86")
        b.schedSwitch(0, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "qemu-system-x86")
        b.kvmEntry(1 * ms, cpu: 0, tid: 101, vcpu: 0)
        b.kvmExit(2 * ms, cpu: 0, tid: 101, reason: 1)
        b.kvmEntry(3 * ms, cpu: 0, tid: 101, vcpu: 0)   // the fast path from here on
        b.kvmExit(4 * ms, cpu: 0, tid: 101, reason: 1)
        b.kvmEntry(5 * ms, cpu: 0, tid: 101, vcpu: 3)   // a new number: noted again
        b.kvmExit(6 * ms, cpu: 0, tid: 101, reason: 48, vcpu: 3)
        b.schedSwitch(10 * ms, cpu: 0, prev: 101, "qemu-system-x86", state: 1, next: 0, "swapper/0")
        let run = ModelRun(b, windowNs: 10 * ms)
        #expect(run.model.registry.vms[0].vcpus == [VMIdentity.VCPU(tid: 101, vcpu: 3)])
        let w = run.windows[0]
        #expect(w.entries == 3)
        #expect(w.exitsByReason[ExitReason(rawValue: 1)] == 2)
        #expect(w.exitsByReason[ExitReason(rawValue: 48)] == 1)
        #expect(w.states[.guest] == 3 * ms)          // 1–2, 3–4, 5–6
        #expect(w.states[.hypervisor] == 7 * ms)     // 0–1, 2–3, 4–5, 6–10
        #expect(w.exitHandling.count == 2)
        #expect(run.model.exitTotals[0]?[ExitReason(rawValue: 1)]?.count == 2)
        #expect(run.model.exitTotals[0]?[ExitReason(rawValue: 1)]?.handling.sum == Double(2 * ms))
        // The whole-trace totals are the window's (one window).
        #expect(run.model.vcpuTotal(of: 101) == w.states)
        #expect(run.model.vcpuTotals[101] == w.states)
        #expect(run.model.vcpuTotal(of: 100) == nil)
    }

    @Test func aThreadTheRegistryMovesToAnotherVMIsCountedThere() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 201, pid: 300, "CPU 0/KVM")
        b.schedSwitch(0, cpu: 0, prev: 0, "swapper/0", state: 0, next: 201, "CPU 0/KVM")
        b.kvmEntry(1 * ms, cpu: 0, tid: 201, vcpu: 0)
        b.kvmExit(2 * ms, cpu: 0, tid: 201, reason: 1, vcpu: 0)
        b.kvmEntry(3 * ms, cpu: 0, tid: 201, vcpu: 0)      // the fast path
        // Its comm becomes `vhost-100`: the registry now puts it in VM 100.
        b.schedSwitch(4 * ms, cpu: 0, prev: 201, "vhost-100", state: 0, next: 0, "swapper/0")
        b.schedSwitch(5 * ms, cpu: 0, prev: 0, "swapper/0", state: 0, next: 201, "vhost-100")
        b.kvmExit(6 * ms, cpu: 0, tid: 201, reason: 1, vcpu: 0)
        b.kvmEntry(7 * ms, cpu: 0, tid: 201, vcpu: 0)
        b.schedSwitch(10 * ms, cpu: 0, prev: 201, "vhost-100", state: 1, next: 0, "swapper/0")
        let run = ModelRun(b, windowNs: 10 * ms)
        let registry = run.model.registry
        let first = registry.vms.firstIndex { $0.pid == 300 }!, second = registry.vms.firstIndex { $0.pid == 100 }!
        #expect(registry.info(201)?.vm == second)
        let before = run.windows.first { $0.vm == first }!, after = run.windows.first { $0.vm == second }!
        #expect(before.exitsByReason[ExitReason(rawValue: 1)] == 1)
        #expect(before.entries == 2)
        #expect(after.exitsByReason[ExitReason(rawValue: 1)] == 1)
        #expect(after.entries == 1)
    }

    @Test func stateTimesEncodeAsTheirArray() throws {
        var times = StateTimes()
        times[.guest] = 1; times[.hypervisor] = 2; times[.preempted] = 3; times[.waiting] = 4; times[.idle] = 5
        #expect(times.ns == [1, 2, 3, 4, 5])
        #expect(times.total == 15 && times.running == 3)
        let data = try JSONEncoder().encode(times)
        #expect(String(decoding: data, as: UTF8.self) == #"{"ns":[1,2,3,4,5]}"#)
        #expect(try JSONDecoder().decode(StateTimes.self, from: data) == times)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StateTimes.self, from: Data(#"{"ns":[1]}"#.utf8)) }
    }

    @Test func aSlotReadsAndWritesItsEntryInPlace() {
        var table = IntTable<Int32, Int>()
        for k in Int32(0)..<40 { table[k * 7] = Int(k) }
        let slot = table.slot(of: 21)!
        #expect(table[slot: slot] == 3)
        table[slot: slot] = 99
        #expect(table[21] == 99)
        #expect(table.count == 40)
        #expect(table.slot(of: 22) == nil)
    }
}
