import HostModel
import TestSupport
import Testing
import TraceIngest

/// EVENTS.md §5: every packet belongs to its socket's owner; in an interrupt the current task is
/// unrelated; what cannot be tied to an owner is unattributed, never the interrupted task's.
@Suite struct NetworkAttributionTests {
    let softirq: ExecutionContext = [.known, .softIRQ]
    let process: ExecutionContext = [.known]
    let s1 = Int64(bitPattern: 0xFFFF_8881_0805_0940)  // VM a's socket (port 43926 → 5001)
    let s2 = Int64(bitPattern: 0xFFFF_8881_0805_0000)  // the sink's socket (5001 → 43926)

    /// Two QEMU VMs (a: pid 100, b: pid 200), a host sink, a spinning host process, ksoftirqd.
    func host() -> EventBuilder {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/TCG")
        b.thread(0, tid: 200, pid: 200, "qemu-system-x86")
        b.thread(0, tid: 201, pid: 200, "CPU 0/TCG")
        b.thread(0, tid: 300, pid: 300, "python3")
        b.thread(0, tid: 500, pid: 500, "idlespin")
        b.thread(0, tid: 10, pid: 2, "ksoftirqd/0")
        return b
    }
    let names: [Int32: String] = [100: "a", 200: "b"]

    func names(_ run: ModelRun) -> Set<String> {
        Set(run.hostWindows.flatMap { $0.netBytes.values.flatMap(\.keys) })
    }

    /// perf: data an incoming ACK releases is queued in NET_RX softirq under whatever task runs;
    /// the `tcp_probe` of that ACK names the socket, `sock_send_length` its owner.
    @Test func dataReleasedByAnACKIsTheSocketOwners() {
        var b = host()
        b.sockSend(1 * ms, cpu: 1, tid: 100, sk: s1, bytes: 1000)
        b.tcpProbe(2 * ms, cpu: 0, tid: 0, skb: 0xAC, sk: s1, sport: 43926, dport: 5001)
        b.netQueue(2 * ms + 10_000, cpu: 0, tid: 0, skb: 0xD1, length: 1500, device: "lo", context: softirq)
        b.netXmit(3 * ms, cpu: 0, tid: 500, skb: 0xD1, length: 1500, device: "lo", context: softirq)
        b.netQueue(4 * ms, cpu: 1, tid: 100, skb: 0xD2, length: 1000, device: "lo", context: process)
        b.netXmit(4 * ms + 5_000, cpu: 1, tid: 100, skb: 0xD2, length: 1000, device: "lo", context: process)
        // Another softirq on CPU 1, under b's vCPU, with no segment of a known socket before it.
        b.softirq(5 * ms, cpu: 1, vector: 3)
        b.netQueue(5 * ms + 1_000, cpu: 1, tid: 201, skb: 0xD3, length: 66, device: "lo", context: softirq)
        b.netXmit(6 * ms, cpu: 1, tid: 201, skb: 0xD3, length: 66, device: "lo", context: softirq)
        let run = ModelRun(b, vmNames: names)
        #expect(run.hostWindows[0].netBytes["lo"] == ["a": 2500])
        #expect(run.hostWindows[0].netUnattributed["lo"] == LinkTraffic(txPackets: 1, txBytes: 66))
        #expect(run.windows(of: "a")[0].netTxBytes == 2500)
        #expect(run.windows(of: "a")[0].netTxPackets == 2)
        #expect(run.windows(of: "b").allSatisfy { $0.netTxPackets == 0 && $0.netRxPackets == 0 })
        #expect(run.model.linkTotals["lo"]?["a"] == LinkTraffic(txPackets: 2, txBytes: 2500))
        #expect(run.model.unattributedLinkTotals["lo"] == LinkTraffic(txPackets: 1, txBytes: 66))
    }

    /// A packet queued in softirq with no probe before it (a TSQ tasklet, a retransmit timer) is
    /// found by the receiving socket's probe on loopback: the flow's other end is the sender.
    @Test func theReceivingProbeNamesTheSenderOfAnUnownedPacket() {
        var b = host()
        b.sockSend(1 * ms, cpu: 1, tid: 100, sk: s1, bytes: 20_000)
        b.tcpProbe(1 * ms + 500_000, cpu: 1, tid: 0, skb: 0xAC, sk: s1, sport: 43926, dport: 5001)
        b.tcpProbe(1 * ms + 600_000, cpu: 0, tid: 300, skb: 0xAD, sk: s2, sport: 5001, dport: 43926, context: process)
        b.softirq(2 * ms, cpu: 0, vector: 6)
        b.netQueue(2 * ms + 100_000, cpu: 0, tid: 10, skb: 0xD1, length: 20_000, device: "lo", context: softirq)
        b.netXmit(3 * ms, cpu: 0, tid: 0, skb: 0xD1, length: 20_000, device: "lo", context: softirq)
        b.netReceive(3 * ms + 10_000, cpu: 0, tid: 0, skb: 0xD1, length: 20_000, device: "lo", context: softirq)
        b.tcpProbe(3 * ms + 20_000, cpu: 0, tid: 0, skb: 0xD1, sk: s2, sport: 5001, dport: 43926)
        let run = ModelRun(b, vmNames: names)
        #expect(run.hostWindows[0].netBytes["lo"] == ["a": 20_000])
        #expect(run.hostWindows[0].netUnattributed["lo"] == nil)
        #expect(run.windows(of: "a")[0].netTxBytes == 20_000)
        // Received by the sink (a host process): no VM's, and not unattributed either.
        #expect(run.windows.allSatisfy { $0.netRxPackets == 0 })
        #expect(!names(run).contains("idle") && !names(run).contains("ksoftirqd/0"))
    }

    /// perf: a segment received in softirq belongs to the socket that takes it, not to the
    /// interrupted vCPU of another VM; one no probe claims is unattributed.
    @Test func aSegmentReceivedInSoftirqIsItsSocketsOwners() {
        var b = host()
        b.sockSend(1 * ms, cpu: 1, tid: 100, sk: s1, bytes: 100)
        b.netReceive(2 * ms, cpu: 0, tid: 201, skb: 0xA1, length: 66, device: "lo", context: softirq)
        b.tcpProbe(2 * ms + 10_000, cpu: 0, tid: 201, skb: 0xA1, sk: s1, sport: 43926, dport: 5001)
        b.netReceive(3 * ms, cpu: 0, tid: 201, skb: 0xA2, length: 66, device: "lo", context: softirq)
        let run = ModelRun(b, vmNames: names)
        #expect(run.windows(of: "a")[0].netRxPackets == 1)
        #expect(run.windows(of: "a")[0].netRxBytes == 66)
        #expect(run.windows(of: "b").allSatisfy { $0.netRxPackets == 0 })
        #expect(run.hostWindows.last?.netUnattributed["lo"] == LinkTraffic(rxPackets: 1, rxBytes: 66))
    }

    /// LTTng: no `common_flags`; the softirq context is known from `irq_softirq_entry`/`_exit` on
    /// that CPU. Without socket events, a packet queued or sent there is unattributed; so is one
    /// under the idle task or a kernel thread in process context.
    @Test func lttngSoftirqContextComesFromEntryAndExit() {
        var b = host()
        b.softirq(1 * ms, cpu: 0, vector: 3)
        b.netQueue(1 * ms + 50_000, cpu: 0, tid: 201, skb: 0xE1, length: 1500, device: "lo")   // before any exit
        b.softirqExit(1 * ms + 200_000, cpu: 0, vector: 3)
        b.netQueue(2 * ms, cpu: 0, tid: 100, skb: 0xE2, length: 700, device: "lo")
        b.softirq(2 * ms + 400_000, cpu: 0, vector: 2)
        b.netXmit(2 * ms + 500_000, cpu: 0, tid: 201, skb: 0xE1, length: 1500, device: "lo")
        b.netXmit(2 * ms + 510_000, cpu: 0, tid: 201, skb: 0xE2, length: 700, device: "lo")
        b.softirqExit(2 * ms + 600_000, cpu: 0, vector: 2)
        b.netQueue(3 * ms, cpu: 1, tid: 0, skb: 0xE3, length: 100, device: "lo")
        b.netXmit(3 * ms + 100_000, cpu: 1, tid: 0, skb: 0xE3, length: 100, device: "lo")
        b.netQueue(4 * ms, cpu: 1, tid: 10, skb: 0xE4, length: 200, device: "lo")
        b.netXmit(4 * ms + 100_000, cpu: 1, tid: 10, skb: 0xE4, length: 200, device: "lo")
        let run = ModelRun(b, vmNames: names)
        #expect(run.hostWindows[0].netBytes["lo"] == ["a": 700])
        #expect(run.hostWindows[0].netUnattributed["lo"] == LinkTraffic(txPackets: 3, txBytes: 1800))
        #expect(run.windows(of: "a")[0].netTxBytes == 700)
        #expect(run.windows(of: "b").allSatisfy { $0.netTxPackets == 0 })
    }
}
