import HostModel
import TestSupport
import Testing
import TraceIngest

@Suite struct IOTests {
    let sda: Int64 = 8 << 20

    @Test func blockRequestsAreMatchedAndAttributedToTheIssuingVM() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.thread(0, tid: 103, pid: 100, "worker")
        b.thread(0, tid: 400, pid: 2, "kworker/0:1")
        b.blockIssue(10 * ms, cpu: 0, tid: 103, dev: sda, sector: 100, bytes: 4096, rwbs: "R")
        b.blockIssue(20 * ms, cpu: 0, tid: 103, dev: sda, sector: 900, bytes: 8192, rwbs: "WS")
        b.blockIssue(21 * ms, cpu: 1, tid: 400, dev: sda, sector: 5000, bytes: 512, rwbs: "W")
        b.blockComplete(13 * ms, cpu: 1, dev: sda, sector: 100, rwbs: "R")
        b.blockComplete(30 * ms, cpu: 1, dev: sda, sector: 900, rwbs: "WS")
        b.blockComplete(31 * ms, cpu: 1, dev: sda, sector: 5000, rwbs: "W")
        b.blockComplete(32 * ms, cpu: 1, dev: sda, sector: 7777, rwbs: "R")   // issue lost
        let run = ModelRun(b)
        let w = run.windows[0]
        #expect(w.diskReads == 1)
        #expect(w.diskWrites == 1)
        #expect(w.diskReadBytes == 4096)
        #expect(w.diskWriteBytes == 8192)
        #expect(w.diskLatencies == [3 * ms, 10 * ms])
        #expect(w.keys[EventKey(.block, "8:0 R")] == 1)
        #expect(w.keys[EventKey(.block, "8:0 W")] == 1)
        #expect(run.hostWindows[0].diskRequests["8:0"] == ["qemu-system-x86-100": 2, "kworker/0:1": 1])
    }

    @Test func packetsQueuedByAVMAreItsTransmitsWhoeverSendsThem() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.thread(0, tid: 102, pid: 2, "vhost-100")
        b.thread(0, tid: 300, pid: 300, "python3")
        b.netQueue(1 * ms, cpu: 0, tid: 100, skb: 0xA, length: 1500, device: "lo")
        b.netXmit(4 * ms, cpu: 0, tid: 300, skb: 0xA, length: 1500, device: "lo")
        b.netXmit(5 * ms, cpu: 1, tid: 102, skb: 0xB, length: 66, device: "tap0")
        b.netReceive(6 * ms, cpu: 1, tid: 102, skb: 0xC, length: 1000, device: "tap0")
        b.netXmit(7 * ms, cpu: 0, tid: 300, skb: 0xD, length: 100, device: "lo")
        let run = ModelRun(b)
        #expect(run.model.registry.vms[0].vhostTids == [102])
        let w = run.windows[0]
        #expect(w.netTxPackets == 2)
        #expect(w.netTxBytes == 1566)
        #expect(w.netRxPackets == 1)
        #expect(w.netRxBytes == 1000)
        #expect(w.xmitDelays == [3 * ms])
        // With net_dev_queue in the trace, link use is counted where packets are queued.
        #expect(run.hostWindows[0].netBytes["lo"] == ["qemu-system-x86-100": 1500])
        #expect(run.hostWindows[0].netBytes["tap0"] == nil)
    }

    @Test func theQueueWaitOfAVMsPacketsCarriesOverItsLastFiveWindows() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.netQueue(10 * ms, cpu: 0, tid: 100, skb: 0xA, length: 1500, device: "lo")
        b.netXmit(40 * ms, cpu: 0, tid: 100, skb: 0xA, length: 1500, device: "lo")
        b.netQueue(50 * ms, cpu: 0, tid: 100, skb: 0xB, length: 1500, device: "lo")
        b.netXmit(60 * ms, cpu: 0, tid: 100, skb: 0xB, length: 1500, device: "lo")
        b.netQueue(250 * ms, cpu: 0, tid: 100, skb: 0xC, length: 1500, device: "lo")
        b.netXmit(350 * ms, cpu: 0, tid: 100, skb: 0xC, length: 1500, device: "lo")   // window 3
        b.netReceive(850 * ms, cpu: 0, tid: 100, skb: 0xD, length: 66, device: "lo")
        let run = ModelRun(b)
        let waits = run.windows.map(\.recentXmitWait)
        #expect(waits.count == 9)
        #expect(waits[0] == DelaySum(totalNs: 40 * ms, count: 2))
        #expect(waits[1] == waits[0])
        // 0xC, queued at 250 ms, has waited 50 ms at window 2's end.
        #expect(waits[2] == DelaySum(totalNs: 90 * ms, count: 3))
        #expect(waits[3] == DelaySum(totalNs: 140 * ms, count: 3))
        #expect(waits[4] == waits[3])
        #expect(waits[5] == DelaySum(totalNs: 100 * ms, count: 1))   // window 0 left the span
        #expect(waits[7] == waits[5])
        #expect(waits[8] == DelaySum())
        #expect(run.windows[3].xmitDelays == [100 * ms])
        #expect(waits[3].meanNs == Double(140 * ms) / 3)
    }

    /// A packet whose transmit never comes counts as waiting for a second, then no more.
    @Test func aPacketStillQueuedWaitsUntilItsTransmitOrASecond() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.netQueue(50 * ms, cpu: 0, tid: 100, skb: 0xA, length: 1500, device: "lo")   // xmit lost
        b.netReceive(1_450 * ms, cpu: 0, tid: 100, skb: 0xD, length: 66, device: "lo")
        let waits = ModelRun(b).windows.map(\.recentXmitWait)
        #expect(waits[0] == DelaySum(totalNs: 50 * ms, count: 1))
        #expect(waits[9] == DelaySum(totalNs: 950 * ms, count: 1))
        #expect(waits[10] == DelaySum())
        #expect(waits[13] == DelaySum())
    }

    @Test func aRequestStillInFlightWaitsUntilItCompletesOrASecond() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.blockIssue(40 * ms, cpu: 0, tid: 100, dev: sda, sector: 100, bytes: 4096, rwbs: "R")
        b.blockComplete(250 * ms, cpu: 1, dev: sda, sector: 100, rwbs: "R")   // spans windows 0-2
        b.blockIssue(260 * ms, cpu: 0, tid: 100, dev: sda, sector: 200, bytes: 4096, rwbs: "R")   // completion lost
        b.blockComplete(1_450 * ms, cpu: 1, dev: sda, sector: 999, rwbs: "R")
        let windows = ModelRun(b).windows
        #expect(windows[0].diskInFlightAges == [60 * ms])
        #expect(windows[1].diskInFlightAges == [160 * ms])
        #expect(windows[2].diskLatencies == [210 * ms])
        #expect(windows[2].diskInFlightAges == [40 * ms])
        #expect(windows[2].diskWaits == [210 * ms, 40 * ms])
        #expect(windows[11].diskInFlightAges == [940 * ms])
        #expect(windows[12].diskInFlightAges == [])   // older than a second: its completion was lost
        #expect(windows[12].diskLatencies == [])
    }

    @Test func exitReasonsKeepUnknownCodes() {
        #expect(ExitReason(rawValue: 48).name == "EPT_VIOLATION")
        #expect(ExitReason(rawValue: 0x8000_0000 | 33).name == "INVALID_STATE")
        #expect(ExitReason(rawValue: 99).name == "UNKNOWN_99")
        #expect(ExitReason(rawValue: 0x400, isa: 2).name == "NPF")
        #expect(ExitReason(rawValue: 52).group == .preemptionTimer)
    }

    @Test func histogramPercentilesStayWithinTheirBucket() {
        var h = DurationHistogram()
        for v in 1...1000 { h.add(Int64(v) * 1000) }
        #expect(h.count == 1000)
        #expect(h.min == 1000)
        #expect(h.max == 1_000_000)
        #expect(abs(h.quantile(0.5) - 500_000) / 500_000 < 0.02)
        #expect(abs(h.quantile(0.99) - 990_000) / 990_000 < 0.02)
        #expect(h.mean == 500_500)
    }
}
