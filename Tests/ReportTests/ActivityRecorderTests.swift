import HostModel
import TestSupport
import TraceIngest
import Testing
@testable import Report

private let ms: Int64 = 1_000_000

/// A QEMU VM (pid 100, vCPU thread 101) and a host process (200) sharing CPU 0, built in memory.
private func sharedCPU() -> EventBuilder {
    var b = EventBuilder()
    b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
    b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
    b.thread(0, tid: 200, pid: 200, "stress")
    b.schedSwitch(0, cpu: 0, prev: 0, "swapper/0", state: 0, next: 101, "CPU 0/KVM")
    b.kvmEntry(1 * ms, cpu: 0, tid: 101, vcpu: 0)
    b.kvmExit(5 * ms, cpu: 0, tid: 101, reason: 1)
    b.schedSwitch(6 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 0, next: 200, "stress")
    b.schedSwitch(8 * ms, cpu: 0, prev: 200, "stress", state: 1, next: 101, "CPU 0/KVM")
    b.schedSwitch(10 * ms, cpu: 0, prev: 101, "CPU 0/KVM", state: 1, next: 0, "swapper/0")
    b.wakeup(12 * ms, cpu: 0, tid: 101, "CPU 0/KVM", targetCPU: 0)
    return b
}

private func record(_ b: EventBuilder, capacity: Int, end: Int64) -> (ActivityRecorder, HostModel) {
    let model = HostModel(strings: b.strings, configuration: .init(recordsStateChanges: true))
    let recorder = ActivityRecorder(capacity: capacity)
    for e in b.sorted { model.consume(e); recorder.consume(e, model: model) }
    model.finish()
    recorder.finish(endNs: end)
    return (recorder, model)
}

private func totals(_ lane: [Int64]) -> [Int64] {
    let k = VCPUState.allCases.count
    return (0..<k).map { s in stride(from: s, to: lane.count, by: k).reduce(0) { $0 + lane[$1] } }
}

@Suite struct ActivityRecorderTests {
    @Test func eachCPUHoldsWhoRanAndForHowLong() {
        let (recorder, _) = record(sharedCPU(), capacity: 1000, end: 13 * ms)
        let lane = recorder.cpuBins[0]!
        var byTid: [Int32: Int64] = [:]
        for bin in lane { for (tid, ns) in bin { byTid[tid, default: 0] += ns } }
        #expect(byTid == [101: 8 * ms, 200: 2 * ms, 0: 3 * ms])
        #expect(lane[6] == [200: ms])
    }

    @Test func vmThreadsGetTheirStatesAndHostThreadsAreNotFollowed() {
        let (recorder, _) = record(sharedCPU(), capacity: 1000, end: 13 * ms)
        // guest 1–5, hypervisor 0–1 5–6 8–10, preempted 6–8, idle 10–12, waiting 12–13.
        #expect(totals(recorder.threadBins[101]!) == [4 * ms, 4 * ms, 2 * ms, 1 * ms, 2 * ms])
        #expect(recorder.threadBins[200] == nil)
    }

    @Test func aLongTraceCoarsensTheBinsAndKeepsTheTotals() {
        let (recorder, _) = record(sharedCPU(), capacity: 4, end: 13 * ms)
        #expect(recorder.bins?.widthNs == 4 * ms)
        let lane = recorder.threadBins[101]!
        #expect(lane.count == 4 * VCPUState.allCases.count)
        #expect(Array(lane[0..<5]) == [3 * ms, 1 * ms, 0, 0, 0])
        #expect(totals(lane) == [4 * ms, 4 * ms, 2 * ms, 1 * ms, 2 * ms])
        #expect(recorder.cpuBins[0]!.count == 4)
    }
}

@Suite struct LaneSegmentsTests {
    @Test func neighboursWithTheSameWinnerMergeAndIdleIsBlank() {
        let bins = TimeBins(originNs: 0, widthNs: 10, capacity: 100)
        let parts: [LaneSegments.Breakdown] = [
            [("web", "vm-0", 8), ("idle", "idle", 2)],
            [("web", "vm-0", 6), ("backup", "host", 4)],
            [("idle", "idle", 10)],
            [("backup", "host", 7), ("web", "vm-0", 3)],
            [],
        ]
        let segments = LaneSegments(bins: bins, blank: "idle").segments(count: parts.count) { parts[$0] }
        #expect(segments.map(\.label) == ["web", "backup"])
        #expect(segments.map(\.startNs) == [0, 30])
        #expect(segments.map(\.endNs) == [20, 40])
        #expect(segments[0].detail == "web 70 %, backup 20 %, idle 10 %")
        #expect(segments[1].style == "host")
    }
}
