import HostModel
import TestSupport
import Testing
import TraceIngest

@Suite struct IntTableTests {
    /// Random inserts, updates and removals (backward shifts across wrapped probe runs, growth)
    /// leave the table holding exactly what a `Dictionary` holds.
    @Test func matchesADictionaryUnderRandomInsertsAndRemovals() {
        var table = IntTable<Int32, Int>()
        var reference: [Int32: Int] = [:]
        var state: UInt64 = 7
        for step in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Few distinct keys, some far apart, so that probe runs collide and wrap.
            let key = Int32(truncatingIfNeeded: (state >> 33) % 300) * (step % 3 == 0 ? 65_536 : 1)
            switch (state >> 20) % 4 {
            case 0: #expect(table.removeValue(forKey: key) == reference.removeValue(forKey: key))
            case 1: table[key] = nil; reference[key] = nil
            case 2: table[key, default: 0] += step; reference[key, default: 0] += step
            default: table[key] = step; reference[key] = step
            }
        }
        #expect(table.count == reference.count)
        for (key, value) in reference { #expect(table[key] == value) }
        var seen: [Int32: Int] = [:]
        for (key, value) in table { seen[key] = value }
        #expect(seen == reference)
        #expect(table.values.sorted() == reference.values.sorted())
        #expect(table.keyList.sorted() == reference.keys.sorted())
    }

    @Test func negativeAndExtremeKeysAreKeys() {
        var table = IntTable<Int64, String>()
        table[-1] = "minus one"; table[0] = "zero"; table[.min] = "min"; table[.max] = "max"
        #expect(table[-1] == "minus one" && table[0] == "zero" && table[.min] == "min" && table[.max] == "max")
        #expect(table[1] == nil)
        table.keep { key, _ in key < 0 }
        #expect(table.count == 2 && table[.min] == "min" && table[0] == nil)
    }

    /// Exits are counted per window by reason: a VMX and an SVM reason with the same code stay two
    /// reasons, and a window's counts start again at zero.
    @Test func exitCountsArePerWindowAndPerReason() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.schedSwitch(0, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
        b.kvmExit(1 * ms, cpu: 0, tid: 101, reason: 48)
        b.kvmEntry(2 * ms, cpu: 0, tid: 101, vcpu: 0)
        b.kvmExit(3 * ms, cpu: 0, tid: 101, reason: 48)
        b.kvmEntry(4 * ms, cpu: 0, tid: 101, vcpu: 0)
        b.add(Event(time: 5 * ms, cpu: 0, kind: .kvmExit, tid: 101, a: 48, b: 2, c: -1))   // SVM code 48
        b.kvmEntry(12 * ms, cpu: 0, tid: 101, vcpu: 0)
        b.kvmExit(15 * ms, cpu: 0, tid: 101, reason: 1)
        b.kvmEntry(16 * ms, cpu: 0, tid: 101, vcpu: 0)
        let run = ModelRun(b, windowNs: 10 * ms)
        let w = run.windows
        #expect(w.count == 2)
        #expect(w[0].exitsByReason == [ExitReason(rawValue: 48): 2, ExitReason(rawValue: 48, isa: 2): 1])
        #expect(w[0].keys[EventKey(.exit, "EPT_VIOLATION")] == 2)
        #expect(w[0].keys[EventKey(.exit, ExitReason(rawValue: 48, isa: 2).name)] == 1)
        #expect(w[1].exitsByReason == [ExitReason(rawValue: 1): 1])
        #expect(w[1].keys[EventKey(.exit, "EPT_VIOLATION")] == nil)
        #expect(Set(w[0].activeVCPUs) == [101] && Set(w[1].activeVCPUs) == [101])
        let totals = run.model.exitTotals[0] ?? [:]
        #expect(totals[ExitReason(rawValue: 48)]?.count == 2)
        #expect(totals[ExitReason(rawValue: 48)]?.handling.count == 2)
        #expect(totals[ExitReason(rawValue: 48, isa: 2)]?.count == 1)
        #expect(totals[ExitReason(rawValue: 1)]?.count == 1)
        #expect(run.model.seenKinds == [.statedumpProcessState, .schedSwitch, .kvmEntry, .kvmExit])
    }
}
