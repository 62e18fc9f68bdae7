import Features
import Foundation
import HostModel
import Recording
import TestSupport
import Testing

/// The real host + guest recording `datasets/real/host-guest-hog` (its README: the host's perf and
/// the guest's own perf at once, the guest's clock aligned by clock pings over the serial console;
/// two guest busy loops on the victim's one vCPU, the host process `hog` on its CPU in [t1,t2)).
/// Skipped when the recording is not unpacked.
@Suite struct HostGuestRecordingTests {
    static let folder = Fixtures.datasetsReal("host-guest-hog").path
    static var present: Bool {
        Fixtures.hasDatasetsReal("host-guest-hog") && FileManager.default.fileExists(atPath: folder + "/guests/victim/trace/metadata")
    }

    /// The QEMU pid vm-names.csv gives the victim.
    static func victimPID() throws -> Int32 {
        try #require(SideFiles.vmNames(at: folder + "/vm-names.csv").first { $0.value == "victim" }?.key)
    }

    @Test(.enabled(if: present))
    func theGuestIsMatchedByItsHostnameAndItsClockByItsPings() throws {
        let set = try Recording(path: Self.folder).machineSet()
        #expect(set.members.map(\.machine.hostname) == ["victim", "vm"])
        #expect(set.members.map(\.isHost) == [false, true])
        let link = try #require(set.guestLinks().first)
        #expect(set.guestLinks().count == 1)
        let pid = try Self.victimPID()
        #expect(link.method == .hostname && link.vm == "victim" && link.vmPID == pid)
        // The pings' bounds, worked out here from the file: one offset fits all of them (no drift
        // shows within them), and the link's offset is their middle.
        let pings = try SideFiles.clockPings(at: Self.folder + "/guests/victim/clock-pings.csv")
        let lower = try #require(pings.map { $0.hostSentNs - $0.guestNs }.max())
        let upper = try #require(pings.map { $0.hostReceivedNs - $0.guestNs }.min())
        #expect(pings.count == 200 && lower <= upper)
        #expect(link.clockPings == 200)
        #expect(link.clockOffsetNs == lower + (upper - lower) / 2)
        #expect(link.clockToleranceNs == (upper - lower) / 2)
        #expect(link.clockDriftPPB == nil)
        #expect(try #require(link.clockToleranceNs) < 1_000_000)   // README: ± 0.3 ms or so
    }

    @Test(.enabled(if: present))
    func bothLoopsLoseTheirVCPUToHogInTheLabeledIntervalOnly() throws {
        let set = try Recording(path: Self.folder).machineSet()
        let link = try #require(set.guestLinks().first)
        let hogged = try #require(Labels(path: Self.folder + "/labels.csv").rows.first { $0.interference == .cpu })
        #expect(hogged.culprit == "hog")
        // Three bins as wide as [t1,t2): the 6 s before it, it, the 6 s after it.
        let width = hogged.endNs - hogged.startNs
        let report = try set.guestThreads(link, axis: .init(originNs: hogged.startNs - width, widthNs: width, count: 3))
        for comm in ["loop-a", "loop-b"] {
            let thread = try #require(report.threads.first { $0.comm == comm }, "\(comm)")
            let bins = try #require(report.timelines?.first { $0.tid == thread.tid }?.bins)
            let guest = bins.map { $0[0] }, preempted = bins.map { $0[2] }, waiting = bins.map { $0[3] }
            // The two loops share the one vCPU: each current about half of every bin, waiting the rest.
            for i in 0..<3 {
                let current = guest[i] + preempted[i]
                #expect(current > width * 4 / 10 && current < width * 6 / 10, "\(comm) bin \(i): current \(current)")
                #expect(waiting[i] > width * 4 / 10 && waiting[i] < width * 6 / 10, "\(comm) bin \(i): waiting \(waiting[i])")
            }
            // While hog runs, about half of its current time its vCPU is preempted on the host;
            // outside, hardly any.
            #expect(preempted[1] > width / 5, "\(comm): \(preempted)")
            #expect(preempted[0] < width / 20 && preempted[2] < width / 20, "\(comm): \(preempted)")
            // And it is hog that held the pCPU: most of all its preempted time.
            let byHog = thread.preemptedBy["hog"] ?? 0
            #expect(byHog * 10 > thread.vcpuPreemptedNs * 8, "\(comm): \(thread.preemptedBy)")
            #expect(thread.preemptedBy.max { $0.value < $1.value }?.key == "hog")
        }
    }
}
