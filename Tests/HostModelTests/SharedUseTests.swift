import HostModel
import TestSupport
import Testing
import TraceIngest

/// A VM window's `sharedLink` / `sharedDisk`: its own bytes and everyone's on the links (devices)
/// it used, over the last `sharingMemory` windows, a resource staying its own for
/// `sharingAssociation` windows after it last used it.
@Suite struct SharedUseTests {
    @Test func othersBytesOnALinkAreSummedOverTheMemoryWhileTheLinkStaysTheVMs() {
        var b = EventBuilder()
        b.thread(0, tid: 100, pid: 100, "qemu-system-x86")
        b.thread(0, tid: 101, pid: 100, "CPU 0/KVM")
        b.thread(1, tid: 200, pid: 200, "qemu-system-x86")
        b.thread(1, tid: 201, pid: 200, "CPU 0/KVM")
        b.netQueue(1 * ms, cpu: 0, tid: 100, skb: 0x1, length: 1000, device: "lo")
        b.netQueue(2 * ms, cpu: 1, tid: 200, skb: 0x2, length: 3000, device: "lo")
        b.netQueue(12 * ms, cpu: 1, tid: 200, skb: 0x3, length: 3000, device: "lo")
        b.netQueue(22 * ms, cpu: 1, tid: 200, skb: 0x4, length: 1000, device: "lo")
        b.netQueue(23 * ms, cpu: 1, tid: 200, skb: 0x5, length: 500, device: "eth0")
        b.netQueue(55 * ms, cpu: 1, tid: 200, skb: 0x6, length: 1000, device: "lo")
        let run = ModelRun(b, configuration: .init(windowNs: 10 * ms, sharingMemory: 2, sharingAssociation: 3))
        let a = run.windows(of: "qemu-system-x86-100").map(\.sharedLink)
        let expected: [SharedUse] = [
            .init(ownBytes: 1000, allBytes: 4000),   // window 0: A 1000 and B 3000 on lo
            .init(ownBytes: 1000, allBytes: 7000),   // + window 1: B's 3000 on lo, A's link still
            .init(ownBytes: 0, allBytes: 4000),      // windows 1–2 (eth0 was never A's)
            .init(ownBytes: 0, allBytes: 1000),      // windows 2–3: lo is A's 3 windows after its use
            .init(ownBytes: 0, allBytes: 0),         // window 4: lo no longer A's
            .init(ownBytes: 0, allBytes: 0),         // window 5: B's 1000 on a link A left
        ]
        #expect(a == expected)
        #expect(a.map(\.othersShare) == [0.75, 6.0 / 7, 1, 1, 0, 0])
        let bWindows = run.windows(of: "qemu-system-x86-200").map(\.sharedLink)
        #expect(bWindows[2] == SharedUse(ownBytes: 4500, allBytes: 4500))   // lo 3000 + 1000, eth0 500
        #expect(run.windows.allSatisfy { $0.sharedDisk == SharedUse() })
    }
}
