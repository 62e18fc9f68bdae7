import Foundation
import IntelPT
import TraceIngest

extension ReportBuilder {
    /// The report of an Intel PT capture: per VM, guest / hypervisor / host-preemption shares per
    /// window from the PT feature group; it says what a PT capture cannot show.
    public func buildPT(capture: URL, windowNs: Int64 = 100_000_000) throws -> ReportDocument {
        let reader = try PTCaptureReader(directory: capture)
        let events = try reader.events()
        let pt = PTWindowFeatures(events: events, sidecar: reader.sidecar, windowNs: windowNs)
        let origin = events.lazy.map(\.time).min() ?? 0
        let end = events.lazy.map(\.time).max() ?? origin
        let gaps = events.filter { $0.kind == .ptGap }.count
        var missing = [
            "This is an Intel PT capture: it records VM entries and exits, VMCS and CR3 switches, but no scheduler, disk or network events. So there is no resource view of host processes, no process flow per thread and no disk or network rates; per VM the timeline shows guest, hypervisor and host-preemption time from the packets.",
            "Not scored: the model's variants are trained on CTF feature groups, not on the pt group.",
        ]
        if gaps > 0 { missing.append("The capture has \(gaps) gaps (OVF or lost sync): time inside them is left out, never bridged.") }
        let byVM = Dictionary(grouping: pt.rows, by: \.vm)
        let vms = byVM.keys.sorted().enumerated().map { index, name -> ReportDocument.VM in
            let columns = byVM[name]!.sorted { $0.window < $1.window }.map { r -> ReportDocument.Column in
                let guest = r.pt_guest_share, pre = r.pt_host_preemption_share
                return .init(startNs: r.window * windowNs, endNs: (r.window + 1) * windowNs,
                             states: [guest, max(0, 1 - guest - pre), pre, 0, 0], probability: .nan, kind: "", windows: 1)
            }
            let group = max(1, (columns.count + maxColumns - 1) / maxColumns)
            return ReportDocument.VM(name: name, pid: -1, index: index, category: nil, categoryShares: [],
                                     columns: Self.merge(columns, by: group), rates: [], periods: [], threads: [], threadsLeftOut: 0)
        }
        let summary = ReportDocument.Summary(trace: capture.path, hostname: nil, tracer: "Intel PT (decoded with libipt)",
                                             spanNs: end - origin, events: events.count, discardedEvents: 0, discardedPackets: 0,
                                             cpus: reader.sidecar.cpuCount, featureGroups: ["pt"], modelVariant: nil)
        return ReportDocument(summary: summary, originNs: origin, endNs: end, splitsGuest: true, missing: missing,
                              cpus: [], vms: vms, detector: nil)
    }
}
