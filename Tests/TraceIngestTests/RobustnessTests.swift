import Foundation
import TestSupport
import Testing
@testable import TraceIngest

/// A field's value is data: CPUs out of range, no CPU at all, perf's per-event `perf_cpu`,
/// counts beyond 64 bits, far-future timestamps.
@Suite struct RobustnessTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    @Test func perfCPUFieldGivesTheCPUWhenThePacketHasNoCPUID() throws {
        let reader = try TraceReader(path: Self.fixtures.appendingPathComponent("perf-cpu-field").path)
        var cpus: [Int32] = []
        let inventory = try reader.read { cpus.append($0.cpu) }
        #expect(cpus == [0, 2, 0, 0, 0, 0, 2, 0])
        #expect(inventory.eventsByCPU == [.init(cpu: 0, count: 6), .init(cpu: 2, count: 2)])
    }

    @Test func aTraceWithNoCPUPutsEveryEventOnTheUnknownCPU() throws {
        let reader = try TraceReader(path: Self.fixtures.appendingPathComponent("no-cpu").path)
        var cpus: Set<Int32> = []
        let inventory = try reader.read { cpus.insert($0.cpu) }
        #expect(cpus == [-1])
        #expect(inventory.eventsByCPU == [.init(cpu: -1, count: 8)])
    }

    @Test func cpuNumbersOutOfRangeAreNoCPU() {
        #expect(EventCPU.checked(0) == 0)
        #expect(EventCPU.checked(4095) == 4095)
        #expect(EventCPU.checked(4096) == -1)
        #expect(EventCPU.checked(0xFFFF_FFFF) == -1)
        #expect(EventCPU.checked(-1) == -1)
    }

    @Test func countsStopAtIntMax() {
        #expect(saturatingSum(5, 7) == 12)
        #expect(saturatingSum(5, UInt64.max) == Int.max)
        #expect(saturatingSum(Int.max - 1, 3) == Int.max)
    }

    @Test func timesAreClampedTo2To62() {
        #expect(EventTime.clamped(.max) == 1 << 62)
        #expect(EventTime.clamped(.min) == -(1 << 62))
        #expect(EventTime.clamped(1_700_000_000_000_000_000) == 1_700_000_000_000_000_000)
    }

    func run(_ times: [Int64]) throws -> (passed: [Int64], dropped: Int) {
        var hold = FarFutureHold()
        var passed: [Int64] = []
        for t in times { try hold.pass(Event(time: t, cpu: 0, kind: .schedSwitch)) { passed.append($0.time) } }
        hold.finish()
        return (passed, hold.dropped)
    }

    @Test func aLoneFarFutureTimestampAtTheEndIsLeftOut() throws {
        let far: Int64 = 1 << 61
        let r = try run([10, 20, 30, far, far + 1])
        #expect(r.passed == [10, 20, 30])
        #expect(r.dropped == 2)
    }

    @Test func aGapOfLessThanAnHourIsKept() throws {
        let r = try run([10, 20, EventTime.farJumpNs + 20, EventTime.farJumpNs + 30])
        #expect(r.passed == [10, 20, EventTime.farJumpNs + 20, EventTime.farJumpNs + 30])
        #expect(r.dropped == 0)
    }

    @Test func aLongPartAfterAJumpIsARealLaterPartAndPassed() throws {
        let later = (0..<(FarFutureHold.limit + 1)).map { Int64(1 << 50) + Int64($0) }
        let r = try run([10, 20] + later)
        #expect(r.passed.count == 2 + later.count)
        #expect(r.dropped == 0)
    }
}

/// The metadata checks made before libbabeltrace2 reads a trace (where it would spin or
/// allocate gigabytes).
@Suite struct MetadataCheckTests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-meta-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    func copy(_ trace: URL, _ name: String) throws -> URL {
        let target = scratch.appendingPathComponent(name)
        try FileManager.default.copyItem(at: trace, to: target)
        for file in try FileManager.default.subpathsOfDirectory(atPath: target.path) {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target.appendingPathComponent(file).path)
        }
        return target
    }

    func reason(_ path: URL) -> String? {
        do { _ = try TraceReader(path: path.path).inventory(); return nil } catch let TraceError.unreadable(_, reason) {
            return reason
        } catch { return "\(error)" }
    }

    @Test func truncatedPacketizedMetadataIsRejectedNotSpunOn() throws {
        let trace = try copy(Fixtures.shared.appendingPathComponent("traces/lttng/many-threads/trace"), "mt")
        let metadata = trace.appendingPathComponent("metadata")
        let data = try Data(contentsOf: metadata)
        try data.prefix(data.count / 2 + 123).write(to: metadata)
        #expect(reason(trace)?.contains("packetized metadata truncated") == true)
    }

    @Test func aHugeDeclaredArrayIsRejected() throws {
        let trace = try copy(Fixtures.projectRoot.appendingPathComponent("datasets/demo/trace/kernel"), "arr")
        let metadata = trace.appendingPathComponent("metadata")
        let text = try String(contentsOf: metadata, encoding: .utf8)
        #expect(text.contains("uuid[16]"))
        try text.replacingOccurrences(of: "uuid[16]", with: "uuid[100000000]").write(to: metadata, atomically: true, encoding: .utf8)
        #expect(reason(trace)?.contains("array of 100000000 elements") == true)
    }

    @Test func everySharedTracePasses() throws {
        for group in ["host-real", "lttng"] {
            let base = Fixtures.shared.appendingPathComponent("traces/\(group)")
            for name in try FileManager.default.contentsOfDirectory(atPath: base.path).sorted() {
                let trace = base.appendingPathComponent(name).appendingPathComponent("trace")
                guard FileManager.default.fileExists(atPath: trace.path) else { continue }
                for dir in try TraceLocation(path: trace.path).traceDirectories {
                    #expect(throws: Never.self) { try MetadataCheck.check(directory: dir) }
                }
            }
        }
    }
}
