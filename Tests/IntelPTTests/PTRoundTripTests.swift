import Foundation
import Testing
import TraceIngest
@testable import IntelPT

func tempDir(_ name: String) -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("pt-\(name)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// Two CPUs, two vCPUs: entries, guest switch, exits, host preemption. Times in ns.
func sampleEvents() -> [Event] {
    let vm1: Int64 = 0x1000, vm2: Int64 = 0x2000
    return [
        Event(time: 1_000, cpu: 0, kind: .ptVMEntry, a: vm1, b: 0xa000),
        Event(time: 1_500, cpu: 1, kind: .ptVMEntry, a: vm2, b: 0xc000),
        Event(time: 11_000, cpu: 0, kind: .ptGuestProcessSwitch, a: vm1, b: 0xb000),
        Event(time: 21_000, cpu: 0, kind: .ptVMExit, a: vm1, b: 0x5000),
        Event(time: 23_000, cpu: 0, kind: .ptHostProcessSwitch, a: 0, b: 0x7000),
        Event(time: 31_500, cpu: 1, kind: .ptVMExit, a: vm2, b: 0x5000),
        Event(time: 33_000, cpu: 0, kind: .ptHostProcessSwitch, a: 0, b: 0x5000),
        Event(time: 41_000, cpu: 0, kind: .ptVMEntry, a: vm1, b: 0xb000),
        Event(time: 51_000, cpu: 0, kind: .ptVMExit, a: vm1, b: 0x5000),
    ]
}

func writeCapture(_ events: [Event], cpus: Int = 2, overflowEvery: Int = 0, psb: Int = 4096) throws -> URL {
    let dir = tempDir("cap")
    var side = PTSidecar()
    side.vmcs = ["4096": .init(vm: "vm1", vcpu: 0), "8192": .init(vm: "vm2", vcpu: 0)]
    side.processes = ["28672": "fio"]
    let w = try PTCaptureWriter(directory: dir, cpuCount: cpus, sidecar: side)
    w.overflowEvery = overflowEvery
    w.psbPeriodBytes = psb
    for e in events { try w.consume(e) }
    try w.finish()
    return dir
}

@Test func roundTripGivesSameEventsAndExactTimes() throws {
    let dir = try writeCapture(sampleEvents())
    #expect(PTCapture.isCapture(at: dir))
    let got = try PTCaptureReader(directory: dir).events()
    let want = sampleEvents().sorted { ($0.time, $0.cpu) < ($1.time, $1.cpu) }
    #expect(got == want)
}

@Test func roundTripManyEventsAcrossPSBPeriodsAndBufferFlushes() throws {
    var evs: [Event] = []
    var t: Int64 = 0
    for i in 0..<20_000 {
        let vm = Int64(0x1000 * (1 + i % 3))
        evs.append(Event(time: t + 7, cpu: 0, kind: .ptVMEntry, a: vm, b: 0xa000 + Int64(i % 5) * 0x20))
        evs.append(Event(time: t + 1_234, cpu: 0, kind: .ptVMExit, a: vm, b: 0x5000))
        t += 3_001
    }
    let dir = try writeCapture(evs, cpus: 1, psb: 512)
    let got = try PTCaptureReader(directory: dir).events()
    #expect(got.count == 40_000)
    #expect(got == evs)
}

@Test func statsAreExactOnTinyCapture() throws {
    let dir = try writeCapture(sampleEvents())
    let r = try PTCaptureReader(directory: dir)
    let s = PTStats(events: try r.events(), sidecar: r.sidecar)
    #expect(s.cpus[0].entries == 2 && s.cpus[0].exits == 2)
    #expect(s.cpus[0].guestNs == 30_000)
    // Hypervisor: exit at 21_000 until the host CR3 write at 23_000 (fio took the CPU), and again
    // from 33_000, when the vCPU's process (0x5000) is loaded back, to its entry at 41_000.
    #expect(s.cpus[0].hypervisorNs == 2_000 + 8_000)
    #expect(s.cpus[1].guestNs == 30_000)
    let v1 = try #require(s.vcpus.first { $0.vm == "vm1" })
    #expect(v1.runs == 2 && v1.runMinNs == 10_000 && v1.runMaxNs == 20_000 && v1.runMeanNs == 15_000)
    #expect(v1.hypervisorNs == 10_000)
    // The switch back to the vCPU's own process (CR3 0x5000) is not a preemption.
    #expect(v1.preemptions == ["fio": 1])
    #expect(v1.guestProcesses == ["cr3-a000": 10_000, "cr3-b000": 20_000])
    #expect(s.description.contains("vm1  0  2  2  0.030 ms  0.010 ms  2  15.000/10.000/20.000"))
    // The streaming accumulator and the capture reader give the same stats.
    #expect(try PTStats(capture: r) == s)
}

@Test func overflowOpensReportedGapAndDropsState() throws {
    var evs: [Event] = []
    for i in 0..<10 {
        let t = Int64(i) * 10_000
        evs.append(Event(time: t + 100, cpu: 0, kind: .ptVMEntry, a: 0x1000, b: 0xa000))
        evs.append(Event(time: t + 5_100, cpu: 0, kind: .ptVMExit, a: 0x1000, b: 0x5000))
    }
    let dir = try writeCapture(evs, cpus: 1, overflowEvery: 7)
    let got = try PTCaptureReader(directory: dir).events()
    let gaps = got.filter { $0.kind == .ptGap }
    // OVF replaces events 7 and 14 (entry at 30_100, exit at 65_100): the gap runs from the last
    // decoded time to the TSC of the PSB+ at the next event.
    #expect(gaps.map { $0.time } == [25_100, 60_100])
    #expect(gaps.map { $0.a } == [35_100, 70_100])
    #expect(got.filter { $0.kind == .ptVMEntry }.count == 9)
    #expect(got.filter { $0.kind == .ptVMExit }.count == 9)
    let s = PTStats(events: got, sidecar: PTSidecar())
    #expect(s.cpus[0].gaps == 2 && s.cpus[0].gapNs == 20_000)
}

@Test func windowFeaturesAreExactOnTinyCapture() throws {
    let dir = try writeCapture(sampleEvents())
    let r = try PTCaptureReader(directory: dir)
    let f = PTWindowFeatures(events: try r.events(), sidecar: r.sidecar, windowNs: 20_000)
    // vm1 on cpu0: guest [1000,21000) [41000,51000); hypervisor 21000..23000; fio (7000) 23000..33000;
    // 33000..41000 the vCPU's own process again, then its entry: hypervisor.
    let w0 = try #require(f.rows.first { $0.vm == "vm1" && $0.window == 0 })
    #expect(w0.guestNs == 19_000 && w0.hypervisorNs == 0 && w0.entries == 1 && w0.guestSwitches == 1)
    let w1 = try #require(f.rows.first { $0.vm == "vm1" && $0.window == 1 })
    #expect(w1.guestNs == 1_000 && w1.hypervisorNs == 2_000 + 7_000 && w1.preemptedNs == 10_000 && w1.observedNs == 20_000)
    #expect(w1.runs == 1 && w1.pt_guest_run_mean_us == 20.0)
    #expect(w1.pt_host_preemption_share == 10.0 / 20.0 && w1.pt_guest_share == 1.0 / 20.0)
    let w2 = try #require(f.rows.first { $0.vm == "vm1" && $0.window == 2 })
    #expect(w2.guestNs == 10_000 && w2.hypervisorNs == 1_000 && w2.entries == 1)
    #expect(w2.pt_entries_per_s == 1e9 / 11_000)
    #expect(try PTWindowFeatures(capture: r, windowNs: 20_000) == f)
    // The report's single decode feeds both sinks from one state machine.
    let both = try r.statsAndWindows(windowNs: 20_000)
    let stats = PTStats(events: try r.events(), sidecar: r.sidecar)
    #expect(both.windows == f && both.stats == stats)
    let vm2 = f.rows.filter { $0.vm == "vm2" }
    #expect(vm2.map { $0.guestNs } == [18_500, 11_500])
}

/// 2,000 entry/exit pairs on one CPU, written timed by MTC (and CYC with `cycles`), decoded back:
/// the kinds in order, and per event how many ns the decoded time is before the written one.
func timingErrors(cycles: Bool) throws -> [Int64] {
    var evs: [Event] = []
    var t: Int64 = 5_000
    for i in 0..<2_000 {
        evs.append(Event(time: t, cpu: 0, kind: .ptVMEntry, a: 0x1000, b: 0xa000))
        evs.append(Event(time: t + 777 + Int64(i % 13) * 97, cpu: 0, kind: .ptVMExit, a: 0x1000, b: 0x5000))
        t += 4_321 + Int64(i % 7) * 1_000
    }
    let dir = tempDir(cycles ? "cyc" : "mtc")
    let w = try PTCaptureWriter(directory: dir, cpuCount: 1, sidecar: PTSidecar())
    w.timeByMTC = true
    w.cycles = cycles
    w.psbPeriodBytes = 1 << 20
    for e in evs { try w.consume(e) }
    try w.finish()
    let got = try PTCaptureReader(directory: dir).events()
    #expect(got.map { $0.kind } == evs.map { $0.kind })
    return zip(got, evs).map { $0.1.time - $0.0.time }
}

@Test func mtcOnlyTimingDecodesWithinOneMTCPeriod() throws {
    // One MTC period: 2^3 crystal ticks at 24 MHz = 333.3 ns; decoded time is at or before the event.
    let errors = try timingErrors(cycles: false)
    #expect(errors.allSatisfy { $0 >= 0 && $0 <= 334 })
    #expect(errors.contains { $0 > 1 })
}

@Test func cycPacketsTimeEventsBetweenMTCsToACoreCycle() throws {
    // A core cycle at CBR 24 (2.4 GHz) is 0.42 ns: decoded time is the event's, or 1 ns before it.
    let errors = try timingErrors(cycles: true)
    #expect(errors.allSatisfy { $0 >= 0 && $0 <= 1 }, "errors \(Set(errors).sorted().prefix(10))")
    #expect(errors.contains { $0 == 0 })
}

@Test func unalignedCR3ValuesRoundTripThroughAliases() throws {
    // The simulator uses host CR3 = 0x2000_0000 + pid: not 32-byte aligned.
    let evs = [
        Event(time: 100, cpu: 0, kind: .ptVMEntry, a: 0x7f00_1000, b: 0x1_0000_0000),
        Event(time: 900, cpu: 0, kind: .ptVMExit, a: 0x7f00_1000, b: 0x2000_0000 + 101),
        Event(time: 950, cpu: 0, kind: .ptHostProcessSwitch, a: 0, b: 0x2000_0000 + 102),
        Event(time: 990, cpu: 0, kind: .ptHostProcessSwitch, a: 0, b: 0x2000_0000 + 101),
        Event(time: 1_000, cpu: 0, kind: .ptVMEntry, a: 0x7f00_1000, b: 0x1_0000_0000),
    ]
    let dir = try writeCapture(evs, cpus: 1)
    let r = try PTCaptureReader(directory: dir)
    #expect(r.sidecar.cr3Aliases?.count == 2)
    #expect(try r.events() == evs)
}

@Test func incrementalClockMatchesTheExactConversion() {
    var side = PTSidecar()
    side.tscZero = -4_080_000_001_400_000_000
    var clock = side.clock()
    var tsc: UInt64 = 4_080_000_001_400_000_000 - 50
    var g: UInt64 = 0x9e37_79b9_7f4a_7c15
    for i in 0..<100_000 {
        g = g &* 6364136223846793005 &+ 1442695040888963407
        // mostly small rises, sometimes a big jump or a step back (MTC-derived values can be lower)
        switch i % 1000 {
        case 0: tsc &+= 1 << 40
        case 1: tsc &-= 7_777
        default: tsc &+= (g >> 40) % 100_000
        }
        #expect(clock.nanoseconds(tsc) == side.nanoseconds(tsc: tsc))
    }
}

@Test func hypervisorTimeEndsAtTheFirstHostCR3Write() throws {
    // vm1 exits at 1_000; its thread leaves the CPU at 3_000 (a PIP with its own CR3: the CPU then
    // idles), it enters again at 9_000 (no write loaded it back: unseen). Then an exit at 10_000
    // after which fio (0x7000) runs; at 12_000 the vCPU's process is loaded back, it enters at 12_500.
    let evs = [
        Event(time: 500, cpu: 0, kind: .ptVMEntry, a: 0x1000, b: 0xa000),
        Event(time: 1_000, cpu: 0, kind: .ptVMExit, a: 0x1000, b: 0x5000),
        Event(time: 3_000, cpu: 0, kind: .ptHostProcessSwitch, a: 0, b: 0x5000),
        Event(time: 9_000, cpu: 0, kind: .ptVMEntry, a: 0x1000, b: 0xa000),
        Event(time: 10_000, cpu: 0, kind: .ptVMExit, a: 0x1000, b: 0x5000),
        Event(time: 10_400, cpu: 0, kind: .ptHostProcessSwitch, a: 0, b: 0x7000),
        Event(time: 12_000, cpu: 0, kind: .ptHostProcessSwitch, a: 0, b: 0x5000),
        Event(time: 12_500, cpu: 0, kind: .ptVMEntry, a: 0x1000, b: 0xa000),
        Event(time: 13_000, cpu: 0, kind: .ptVMExit, a: 0x1000, b: 0x5000),
    ]
    let dir = try writeCapture(evs, cpus: 1)
    let r = try PTCaptureReader(directory: dir)
    // A host PIP that restates the CR3 is decoded too: it is a context switch on that CPU.
    #expect(try r.events() == evs)
    let s = try PTStats(capture: r)
    #expect(s.cpus[0].guestNs == 500 + 1_000 + 500)
    #expect(s.cpus[0].hypervisorNs == 2_000 + 400 + 500)
    #expect(s.vcpus[0].preemptions == ["fio": 1])
    let f = try PTWindowFeatures(capture: r, windowNs: 1_000_000)
    #expect(f.rows.count == 1)
    #expect(f.rows[0].guestNs == 2_000 && f.rows[0].hypervisorNs == 2_900 && f.rows[0].preemptedNs == 1_600)
    #expect(f.rows[0].observedNs == 6_500)
}

/// vm1 runs guest process 0xa000 on CPU 0 and leaves the CPU; vm2's process (0x6000) is loaded back
/// and vm2 enters the same guest CR3 value 0xa000 (another VM's address space): its guest time is
/// vm2's, in vm2's guest process, never vm1's.
@Test func aGuestCR3SeenInTwoVMsIsTwoGuestProcesses() throws {
    let evs = [
        Event(time: 1_000, cpu: 0, kind: .ptVMEntry, a: 0x1000, b: 0xa000),
        Event(time: 5_000, cpu: 0, kind: .ptVMExit, a: 0x1000, b: 0x5000),
        Event(time: 6_000, cpu: 0, kind: .ptHostProcessSwitch, a: 0, b: 0x5000),
        Event(time: 8_000, cpu: 0, kind: .ptHostProcessSwitch, a: 0, b: 0x6000),
        Event(time: 9_000, cpu: 0, kind: .ptVMEntry, a: 0x2000, b: 0xa000),
        Event(time: 16_000, cpu: 0, kind: .ptVMExit, a: 0x2000, b: 0x6000),
    ]
    let dir = try writeCapture(evs, cpus: 1)
    let r = try PTCaptureReader(directory: dir)
    #expect(try r.events() == evs)
    let s = try PTStats(capture: r)
    let vm1 = try #require(s.vcpus.first { $0.vm == "vm1" }), vm2 = try #require(s.vcpus.first { $0.vm == "vm2" })
    #expect(vm1.guestNs == 4_000 && vm1.guestProcesses == ["cr3-a000": 4_000])
    // vm2: hypervisor from the write that loaded its process (8_000) to its entry.
    #expect(vm2.guestNs == 7_000 && vm2.hypervisorNs == 1_000 && vm2.guestProcesses == ["cr3-a000": 7_000])
}
