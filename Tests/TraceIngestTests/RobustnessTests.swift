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
