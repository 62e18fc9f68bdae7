import Diagnosis
import Features
import Foundation
import IntelPT
import Learning
import Recording
import TraceIngest

extension ReportBuilder {
    /// The report of an Intel PT capture: per VM, guest / hypervisor / host-preemption shares per
    /// window from the PT feature group, scored by the model's `pt` variant when it has one; it
    /// says what a PT capture cannot show.
    func buildPT(capture: URL, model: InterferenceModel?, diagnoser: Diagnoser) throws -> ReportDocument {
        let windowNs = model?.training.windowNs ?? 100_000_000
        // One decode feeds both: the windows (features) and the per-CPU totals (gaps, events).
        let (stats, windows) = try PTCaptureReader(directory: capture).statsAndWindows(windowNs: windowNs)
        let features = TraceFeatures(pt: windows, labels: nil)
        var missing = [
            "This is an Intel PT capture: it records VM entries and exits, VMCS and CR3 switches, but no scheduler, disk or network events. So there is no resource view of host processes, no process flow per thread, no disk or network rates, and no culprit or event keys for a period; per VM the timeline shows guest, hypervisor and host-preemption time from the packets.",
        ]
        var score: ScoreReport?
        if let model, !features.table.rows.isEmpty {
            do { score = try Scorer(model: model, diagnoser: diagnoser).score(path: capture.path, features: features) }
            catch { missing.append("Not scored: \(error)") }
        } else {
            missing.append(model == nil ? "Not scored: no model was given." : "Not scored: the capture has no VM window.")
        }
        let gaps = stats.cpus.reduce(0) { $0 + $1.gaps }
        if gaps > 0 { missing.append("The capture has \(gaps) gaps (OVF or lost sync): time inside them is left out, never bridged.") }
        let rows = features.table.rows
        let schema = features.table.schema
        func column(_ name: String) -> Int { schema.columns.firstIndex(of: name)! }
        let guestAt = column(FeatureColumn.ptGuestShare.name), preemptedAt = column(FeatureColumn.ptHostPreemptionShare.name)
        let vms = features.vmNames.enumerated().map { index, name -> ReportDocument.VM in
            let scored = score?.vms.first { $0.vm == name }
            let mine = rows.filter { $0.vm == name }
            let columns = mine.enumerated().map { i, r -> ReportDocument.Column in
                let guest = r.values[guestAt], pre = r.values[preemptedAt]
                let w = scored.flatMap { i < $0.windows.count ? $0.windows[i] : nil }
                return .init(startNs: r.startNs, endNs: r.endNs, states: [guest, max(0, 1 - guest - pre), pre, 0, 0],
                             probability: w?.probability ?? .nan, kind: w?.kind, windows: 1)
            }
            let group = max(1, (columns.count + maxColumns - 1) / maxColumns)
            return ReportDocument.VM(name: name, pid: -1, index: index, category: scored?.category,
                                     categoryShares: (scored?.categoryShares ?? [:]).sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) },
                                     columns: Self.merge(columns, by: group), rates: [], periods: scored?.periods ?? [], threads: [], threadsLeftOut: 0)
        }
        let origin = rows.map(\.startNs).min() ?? 0
        let end = rows.map(\.endNs).max() ?? origin
        let summary = ReportDocument.Summary(trace: capture.path, hostname: nil, tracer: "Intel PT (decoded with libipt)",
                                             spanNs: end - origin, events: stats.cpus.reduce(0) { $0 + $1.entries + $1.exits },
                                             discardedEvents: 0, discardedPackets: 0, cpus: stats.cpus.count,
                                             featureGroups: ["pt"], modelVariant: score?.variant)
        return ReportDocument(summary: summary, originNs: origin, endNs: end, splitsGuest: true, missing: missing,
                              cpus: [], vms: vms, detector: score?.detector)
    }
}
