import HostModel
import Recording

/// The lanes of a VM's guest threads in its process flow, from `GuestThreadReport.timelines`:
/// each bin drawn as the state with most of its time apart from blocked (`LaneSegments`; the
/// hover gives the shares of that time), so a mostly blocked thread still shows when it ran; a
/// bin only blocked is blank. The lane is named `tid comm`, under the VM's own threads.
enum GuestLanes {
    /// The colour class of each `GuestThreadView.states` entry (blocked looks like idle).
    static let styles = ["guest", "hypervisor", "preempted", "waiting", "idle"]

    static func lanes(_ report: GuestThreadReport, axis: GuestThreadTimeline.Axis) -> [ReportDocument.Lane] {
        let bins = TimeBins(originNs: axis.originNs, widthNs: axis.widthNs, capacity: max(2, axis.count))
        let maker = LaneSegments(bins: bins)
        let names = GuestThreadView.states
        let drawn = names.indices.filter { names[$0] != "blocked" }
        return (report.timelines ?? []).map { t in
            let segments = maker.segments(count: t.bins.count) { i in
                drawn.map { (label: names[$0], style: styles[$0], ns: t.bins[i][$0]) }
            }
            return ReportDocument.Lane(name: "\(t.tid) \(t.comm)", segments: segments)
        }
    }
}

extension ReportDocument {
    /// The axis guest-thread timelines are binned on: this report's span in at most 500 bins.
    public var guestAxis: GuestThreadTimeline.Axis {
        let count = 500
        let width = max(1, (endNs - originNs + Int64(count) - 1) / Int64(count))
        return GuestThreadTimeline.Axis(originNs: originNs, widthNs: width, count: count)
    }

    /// Puts `report` (read on `guestAxis`) under the VM named `report.link.vm`: its table, and
    /// its threads' lanes in the process flow. False when no VM has that name.
    @discardableResult
    public mutating func attachGuestThreads(_ report: GuestThreadReport) -> Bool {
        guard let i = vms.firstIndex(where: { $0.name == report.link.vm }) else { return false }
        vms[i].guestThreads = report
        vms[i].guestLanes = GuestLanes.lanes(report, axis: guestAxis)
        return true
    }
}
