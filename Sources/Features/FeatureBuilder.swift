import AtomicOutput
import Foundation
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

    /// The table of the traces of `location` (a `Recording` decides it) and the analysis behind
    /// it (inventory, VMs).
    /// `alsoWindow` and `hostWindow` see the same windows (e.g. to collect diagnosis evidence);
    /// `onEvent` sees every event (e.g. for the report's timelines).
    public func build(location: TraceLocation, alsoWindow: ((VMWindow) -> Void)? = nil,
                      hostWindow: ((HostWindow) -> Void)? = nil,
                      onEvent: ((Event, HostModel) -> Void)? = nil) throws -> (table: FeatureTable, analysis: HostAnalysis) {
        let all = FeatureExtractor(schema: FeatureSchema(groups: FeatureGroup.allCases, windowNs: configuration.windowNs))
        var pending: [(vm: Int, start: Int64, end: Int64, values: [Double])] = []
        let analysis = try HostAnalysis.run(location: location, configuration: configuration, onWindow: { w in
            guard w.observedEndNs > w.observedStartNs else { return }
            pending.append((w.vm, w.startNs, w.endNs, all.values(for: w)))
            alsoWindow?(w)
        }, onHostWindow: hostWindow, onEvent: onEvent)
        return (table(from: &pending, analysis: analysis, allColumns: all.schema.columns), analysis)
    }

    /// As `build`, but the rows wait in a `RowSpool` made in `spool` (a private folder, removed at
    /// once: nothing is left on disk) and are read back narrowed (`SpooledRows`): memory stays
    /// bounded by threads and VMs however long the trace.
    public func buildSpooled(location: TraceLocation, spool directory: URL, alsoWindow: ((VMWindow) -> Void)? = nil,
                             hostWindow: ((HostWindow) -> Void)? = nil,
                             onEvent: ((Event, HostModel) -> Void)? = nil) throws -> (rows: SpooledRows, analysis: HostAnalysis) {
        let all = FeatureExtractor(schema: FeatureSchema(groups: FeatureGroup.allCases, windowNs: configuration.windowNs))
        let spool = try RowSpool(directory: directory, width: all.schema.columns.count)
        let analysis = try HostAnalysis.run(location: location, configuration: configuration, onWindow: { w in
            guard w.observedEndNs > w.observedStartNs else { return }
            spool.append(vm: w.vm, start: w.startNs, end: w.endNs, values: all.values(for: w))
            alsoWindow?(w)
        }, onHostWindow: hostWindow, onEvent: onEvent)
        try spool.flush()
        let schema = FeatureSchema(groups: FeatureGroup.present(in: analysis.model.seenKinds), windowNs: configuration.windowNs)
        return (SpooledRows(spool: spool, schema: schema, allColumns: all.schema.columns,
                            vmNames: analysis.model.registry.vms.map(\.name), labels: labels), analysis)
    }

    /// The table of the present groups' columns; each pending row's values (every group's) are
    /// released as soon as its narrowed row is made, so both are never held whole at once.
    func table(from pending: inout [(vm: Int, start: Int64, end: Int64, values: [Double])], analysis: HostAnalysis,
               allColumns: [String]) -> FeatureTable {
        let schema = FeatureSchema(groups: FeatureGroup.present(in: analysis.model.seenKinds), windowNs: configuration.windowNs)
        let keep = schema.columns.map { allColumns.firstIndex(of: $0)! }
        let names = analysis.model.registry.vms.map(\.name)
        var rows: [FeatureRow] = []
        rows.reserveCapacity(pending.count)
        for i in pending.indices {
            let p = pending[i]
            pending[i].values = []
            let name = names[p.vm]
            rows.append(FeatureRow(vm: name, startNs: p.start, endNs: p.end, values: keep.map { p.values[$0] },
                                   label: labels?.label(vm: name, startNs: p.start, endNs: p.end)))
        }
        pending = []
        return FeatureTable(schema: schema, rows: rows)
    }

    /// Streams the features of the traces of `location` to `output` (CSV, or JSON with `json`): rows wait in a
    /// `RowSpool` on disk until the end of the trace tells which groups are present, so memory
    /// stays bounded by threads and VMs however long the trace. The file appears complete or not
    /// at all (`AtomicOutput.stage`: written under its temporary name, then renamed).
    public func write(location: TraceLocation, to output: String, json: Bool) throws -> (schema: FeatureSchema, rows: Int, analysis: HostAnalysis) {
        let all = FeatureExtractor(schema: FeatureSchema(groups: FeatureGroup.allCases, windowNs: configuration.windowNs))
        let folder = URL(fileURLWithPath: output).deletingLastPathComponent()
        try AtomicOutput.checkWritable(output)
        let spool = try RowSpool(directory: folder, width: all.schema.columns.count)
        let analysis = try HostAnalysis.run(location: location, configuration: configuration, onWindow: { w in
            guard w.observedEndNs > w.observedStartNs else { return }
            spool.append(vm: w.vm, start: w.startNs, end: w.endNs, values: all.values(for: w))
        })
        try spool.flush()
        let schema = FeatureSchema(groups: FeatureGroup.present(in: analysis.model.seenKinds), windowNs: configuration.windowNs)
        let keep = schema.columns.map { all.schema.columns.firstIndex(of: $0)! }
        let names = analysis.model.registry.vms.map(\.name)
        let n = try AtomicOutput.stage(output) { temporary in
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
                  let out = FileHandle(forWritingAtPath: temporary.path) else {
                throw FeatureOutputError(path: output)
            }
            var n = 0
            do {
                var text = ""
                func emit(_ s: String, force: Bool = false) throws {
                    text += s
                    guard text.utf8.count >= 1 << 20 || force else { return }
                    do { try out.write(contentsOf: Data(text.utf8)) } catch { throw AtomicOutput.Failure(path: output, error: error) }
                    text = ""
                }
                let hasLabels = labels != nil
                try emit(json ? FeatureTable.jsonHead(schema) : FeatureTable.csvHeader(schema, labels: hasLabels))
                try spool.forEach { row in
                    let name = names[row.vm]
                    let r = FeatureRow(vm: name, startNs: row.start, endNs: row.end, values: keep.map { row.values[$0] },
                                       label: labels?.label(vm: name, startNs: row.start, endNs: row.end))
                    try emit(json ? (n == 0 ? "" : ",\n") + FeatureTable.jsonRow(r, schema: schema) : FeatureTable.csvLine(r, schemaID: schema.id, labels: hasLabels))
                    n += 1
                }
                try emit(json ? "\n  ]\n}\n" : "", force: true)
                try out.close()
            } catch {
                try? out.close()
                throw error
            }
            return n
        }
        return (schema, n, analysis)
    }
}

/// The features file could not be written.
public struct FeatureOutputError: Error, CustomStringConvertible {
    public var path: String
    public var description: String { "\(path): cannot write: the folder does not exist or is not writable" }
}
