import Foundation
@testable import Simulator
import Testing
import TraceIngest

@Suite struct SimulationTests {
    func folder(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(name)-\(UUID().uuidString)").path
    }

    func files(_ root: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)!
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { out[path] = FileManager.default.contents(atPath: root + "/" + path) }
        }
        return out
    }

    @Test func sameSeedSameBytesOtherSeedOtherBytes() throws {
        let a = folder("a"), b = folder("b"), c = folder("c")
        let s1 = try Presets.scenario("demo", seed: 4, duration: 2, vms: nil, pcpus: nil)
        _ = try Simulation.run(s1, output: a)
        _ = try Simulation.run(s1, output: b)
        _ = try Simulation.run(try Presets.scenario("demo", seed: 5, duration: 2, vms: nil, pcpus: nil), output: c)
        let fa = try files(a), fb = try files(b), fc = try files(c)
        #expect(fa.keys.sorted() == ["labels.csv", "pt/cpu0.pt", "pt/cpu1.pt", "pt/cpu2.pt", "pt/cpu3.pt", "pt/pt-sidecar.json", "scenario.json", "trace/kernel/channel0_0", "trace/kernel/channel0_1",
                                    "trace/kernel/channel0_2", "trace/kernel/channel0_3", "trace/kernel/metadata",
                                    "trace/ust/uid/0/64-bit/metadata", "trace/ust/uid/0/64-bit/ust_0", "truth.csv", "vm-names.csv"])
        #expect(fa == fb)
        #expect(fa["trace/kernel/channel0_1"] != fc["trace/kernel/channel0_1"])
    }

    @Test func theTraceReadsBackWithEveryWrittenEvent() throws {
        let out = folder("count")
        let result = try Simulation.run(try Presets.scenario("demo", seed: 2, duration: 2, vms: nil, pcpus: nil), output: out)
        #expect(result.userSpaceEvents > 0)
        let inventory = try TraceReader(path: out).inventory()
        #expect(inventory.totalEvents == result.kernelEvents + result.userSpaceEvents)
        #expect(inventory.hostname?.hasPrefix("kvm-host-") == true)
        #expect(inventory.tracer == "lttng-modules 2.13")
        #expect(inventory.traceDirectories.count == 2)
        // babeltrace2's own reading agrees.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/babeltrace2")
        process.arguments = [out + "/trace"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let lines = pipe.fileHandleForReading.readDataToEndOfFile().split(separator: UInt8(ascii: "\n")).count
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(lines == inventory.totalEvents)
    }

    @Test func labelsCoverEachVMWithoutGaps() throws {
        let s = try Presets.scenario("train-2", seed: 1, duration: 10, vms: nil, pcpus: nil)
        let lines = Simulation.labels(s).split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        for vm in s.vms {
            let rows = lines.filter { $0[0] == vm.name[...] }
            #expect(Int64(rows.first![1])! == s.originNs + Int64(vm.startsAt * 1e9))
            #expect(Int64(rows.last![2])! == s.originNs + 10_000_000_000)
            for (r, next) in zip(rows, rows.dropFirst()) { #expect(r[2] == next[1]) }
        }
        #expect(s.episodes.count > 0)
        #expect(s.vms.contains { $0.startsAt > 0 })   // train-2 starts a VM mid-trace (fork + exec)
        for e in s.episodes { #expect(lines.contains { $0[0] == e.victim[...] && $0[4] == e.kind.rawValue[...] && $0[5] == e.culprit[...] }) }
    }

    @Test func badInputsWriteNothing() throws {
        #expect(throws: PresetError.unknown("nope")) { try Presets.scenario("nope", seed: 1, duration: nil, vms: nil, pcpus: nil) }
        #expect(throws: PresetError.badNumber("--pcpus must be 1 to 256, got 0")) { try Presets.scenario("demo", seed: 1, duration: nil, vms: nil, pcpus: 0) }
        #expect(throws: PresetError.badNumber("--duration must be > 0 seconds, got -1.0")) { try Presets.scenario("demo", seed: 1, duration: -1, vms: nil, pcpus: nil) }
        let full = folder("full")
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: full + "/keep.txt"))
        #expect(throws: SimulationError.outputNotEmpty(full)) {
            try Simulation.run(try Presets.scenario("demo", seed: 1, duration: 1, vms: nil, pcpus: nil), output: full)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: full) == ["keep.txt"])
    }
}

/// Bursty guests, ksoftirqd, and the VMs a saturated device or link hurts besides the drawn victim.
@Suite struct NoiseAndBurstsTests {
    @Test func demoHasABurstyGuestLabeledBurstByBurst() throws {
        let s = try Presets.scenario("demo", seed: 1, duration: 30, vms: nil, pcpus: nil)
        let bursts = s.vms[2].phases.filter { $0.pattern == "bursty" }
        #expect(bursts.count >= 4)
        #expect(Set(bursts.map(\.workload)) == [.cpu, .idle])
        #expect(bursts.allSatisfy { $0.end - $0.start >= 0.3 - 1e-9 && $0.end - $0.start <= 1.2 + 1e-9 })
        // Alternating on and off, each its own label row.
        #expect(zip(bursts, bursts.dropFirst()).allSatisfy { $0.workload != $1.workload && $0.end == $1.start })
        let rows = Simulation.labels(s).split(separator: "\n").filter { $0.hasPrefix("batch,") }
        #expect(rows.count >= bursts.count)
    }

    @Test func eachCPUHasAKsoftirqdThatRuns() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sim-ksoftirqd-\(UUID().uuidString)").path
        let s = try Presets.scenario("demo", seed: 1, duration: 3, vms: nil, pcpus: nil)
        _ = try Simulation.run(s, output: out)
        let reader = try TraceReader(path: out + "/trace")
        var ran = Set<String>()
        _ = try reader.read { e in
            if e.kind == .schedSwitch, reader.strings[e.nextComm].hasPrefix("ksoftirqd/") { ran.insert(reader.strings[e.nextComm]) }
        }
        #expect(ran.count >= 2, "ksoftirqd threads that ran: \(ran.sorted())")
    }

    @Test func everyVMOnASaturatedDeviceOrLinkIsAVictim() {
        var s = Presets.base("t", seed: 1, duration: 10, pcpus: 4, style: .vmx)
        func vm(_ name: String, _ w: Workload, device: Int, link: Int) -> VMPlan {
            VMPlan(name: name, pid: Int32(100 * (s.vms.count + 1)), vcpus: 1, cpus: [s.vms.count], device: device, link: link,
                   phases: [Phase(start: 0, end: 10, workload: w)])
        }
        s.vms = [vm("a", .disk, device: 0, link: 0), vm("b", .disk, device: 0, link: 1), vm("c", .disk, device: 1, link: 0),
                 vm("d", .idle, device: 0, link: 0), vm("e", .net, device: 1, link: 0), vm("f", .net, device: 1, link: 1)]
        Presets.setPhase(&s.vms[3], 2, 6, .diskHeavy)
        s.episodes = [Episode(victim: "a", kind: .disk, culprit: "d", start: 2, end: 6)]
        Presets.addBystanders(&s)
        #expect(s.episodes.map(\.victim) == ["a", "b"])
        Presets.setPhase(&s.vms[3], 7, 9, .netHeavy)
        s.episodes.append(Episode(victim: "e", kind: .net, culprit: "d", start: 7, end: 9))
        Presets.addBystanders(&s)
        #expect(s.episodes.map(\.victim) == ["a", "b", "e"])   // f is on the other link
    }
}

/// The guest's own trace (`GuestTrace`), from host events built in memory.
@Suite struct GuestTraceTests {
    func host(_ kind: EventKind, _ t: Int64, a: Int64 = 0, b: Int64 = 0, c: Int64 = 0) -> Event {
        Event(time: t, cpu: 2, kind: kind, tid: 41, pid: 40, a: a, b: b, c: c)
    }

    @Test func guestThreadsTakeTurnsInsideGuestModeAndIdleWhenTheVCPUBlocks() {
        let strings = StringTable()
        var guest = GuestTrace(vmPID: 40, vcpus: 1)
        for e in [
            host(.kvmEntry, 0, a: 0), host(.kvmExit, 300, c: 0),
            host(.kvmEntry, 3_000_000, a: 0), host(.kvmExit, 3_000_300, c: 0),
            host(.schedSwitch, 3_000_400, a: 41, b: 1, c: 0),             // the vCPU halts
            host(.kvmEntry, 4_000_000, a: 0), host(.kvmExit, 4_000_300, c: 0),
            Event(time: 4_000_350, cpu: 2, kind: .kvmEntry, tid: 99, pid: 98, a: 0),   // another VM: not this guest
        ] { guest.observe(e) }
        let events = guest.events(strings: strings)
        #expect(events.map(\.time) == [100, 3_000_100, 3_000_200, 4_000_100])
        #expect(events.map(\.a) == [0, 1000, 1001, 0])        // prev tid
        #expect(events.map(\.c) == [1000, 1001, 0, 1001])     // next tid
        #expect(events.map(\.b) == [0, 0, 1, 0])              // prev state: blocked only before the halt
        #expect(events.allSatisfy { $0.cpu == 0 && $0.kind == .schedSwitch })
        #expect(strings[events[1].s1] == "app" && strings[events[2].s2] == "swapper/0")
    }

    @Test func aGuestTraceIsWrittenBesideAnUnchangedHostTrace() throws {
        let fm = FileManager.default
        let plain = fm.temporaryDirectory.appendingPathComponent("sim-plain-\(UUID().uuidString)").path
        let withGuest = fm.temporaryDirectory.appendingPathComponent("sim-guest-\(UUID().uuidString)").path
        var scenario = try Presets.scenario("demo", seed: 6, duration: 2, vms: nil, pcpus: nil)
        _ = try Simulation.run(scenario, output: plain, writePT: false)
        scenario.guestTraces = ["batch"]
        let result = try Simulation.run(scenario, output: withGuest, writePT: false)
        for file in ["trace/kernel/channel0_0", "trace/kernel/channel0_3", "trace/kernel/metadata", "labels.csv", "truth.csv"] {
            #expect(fm.contents(atPath: plain + "/" + file) == fm.contents(atPath: withGuest + "/" + file))
        }
        let inventory = try TraceReader(path: withGuest + "/guests/batch").inventory()
        #expect(inventory.hostname == "batch")
        #expect(inventory.totalEvents == result.guestEvents)
        #expect(inventory.eventsByCPU.map(\.cpu) == [0, 1])   // batch has two vCPUs
        let rows = try String(contentsOfFile: withGuest + "/guests.csv", encoding: .utf8)
        #expect(rows == "hostname,vm,vm_pid,vcpus,events,clock_skew_ns,sync_messages,clock_drift_ppb,clock_reference_ns\n"
                + "batch,batch,2301,2,\(result.guestEvents),0,0,0,\(scenario.originNs)\n")
    }

    @Test func aDriftingGuestClockGainsItsPPBFromTheTraceStart() {
        // 2500 ppb from 1000 ns: 2.5 ns gained per µs of host time, rounded; skew 7.
        #expect(GuestTrace.guestTime(1_000, skewNs: 7, driftPPB: 2_500, referenceNs: 1_000) == 1_007)
        #expect(GuestTrace.guestTime(1_000_001_000, skewNs: 7, driftPPB: 2_500, referenceNs: 1_000) == 1_000_003_507)
        #expect(GuestTrace.guestTime(201_000, skewNs: 0, driftPPB: -2_500, referenceNs: 1_000) == 200_999)   // −0.5 ns: away from 0
        #expect(GuestTrace.guestTime(5_000, skewNs: 3, driftPPB: 0, referenceNs: 1_000) == 5_003)
    }
}
