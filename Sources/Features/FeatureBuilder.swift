import HostModel
import TraceIngest

/// Runs a trace through the host model and collects one feature row per VM per window.
///
/// The host model streams (memory bounded by threads and VMs); each closed window is turned into
/// raw values at once. The schema's groups are those whose events occurred, known at the end, so
/// the rows keep every group's values until then and are narrowed to the present groups last.
public struct FeatureBuilder {
    public var configuration: HostModelConfiguration
    public var labels: Labels?

    public init(configuration: HostModelConfiguration, labels: Labels? = nil) {
        self.configuration = configuration
        self.labels = labels
    }

    /// The table and the analysis behind it (inventory, VMs).
    /// `alsoWindow` and `hostWindow` see the same windows (e.g. to collect diagnosis evidence).
    public func build(path: String, alsoWindow: ((VMWindow) -> Void)? = nil,
                      hostWindow: ((HostWindow) -> Void)? = nil) throws -> (table: FeatureTable, analysis: HostAnalysis) {
        let all = FeatureExtractor(schema: FeatureSchema(groups: FeatureGroup.allCases, windowNs: configuration.windowNs))
        var pending: [(vm: Int, start: Int64, end: Int64, values: [Double])] = []
        let analysis = try HostAnalysis.run(path: path, configuration: configuration, onWindow: { w in
            guard w.observedEndNs > w.observedStartNs else { return }
            pending.append((w.vm, w.startNs, w.endNs, all.values(for: w)))
            alsoWindow?(w)
        }, onHostWindow: hostWindow)
        return (table(from: pending, analysis: analysis, allColumns: all.schema.columns), analysis)
    }

    func table(from pending: [(vm: Int, start: Int64, end: Int64, values: [Double])], analysis: HostAnalysis,
               allColumns: [String]) -> FeatureTable {
        let schema = FeatureSchema(groups: FeatureGroup.present(in: analysis.model.seenKinds), windowNs: configuration.windowNs)
        let keep = schema.columns.map { allColumns.firstIndex(of: $0)! }
        let names = analysis.model.registry.vms.map(\.name)
        let rows = pending.map { p -> FeatureRow in
            let name = names[p.vm]
            return FeatureRow(vm: name, startNs: p.start, endNs: p.end, values: keep.map { p.values[$0] },
                              label: labels?.label(vm: name, startNs: p.start, endNs: p.end))
        }.sorted { ($0.vm, $0.startNs) < ($1.vm, $1.startNs) }
        return FeatureTable(schema: schema, rows: rows)
    }
}
