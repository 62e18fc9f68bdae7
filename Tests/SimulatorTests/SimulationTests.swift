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
        for e in s.episodes { #expect(lines.contains { $0[0] == e.victim[...] && $0[4] == e.kind[...] && $0[5] == e.culprit[...] }) }
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
