import Features
import Foundation
import HostModel
import IntelPT
import TraceIngest

/// A labeled recording: a folder with `trace/` (or the trace itself, or an Intel PT capture) and
/// `labels.csv`, and optionally `vm-names.csv` and `threads.csv`.
public struct Dataset: Sendable {
    public let recording: Recording
    public let reading: ReadingOptions
    public var path: String { recording.path }
    /// The recording's name (`Recording.name`).
    public var name: String { recording.name }

    public init(path: String, reading: ReadingOptions = .init()) {
        recording = Recording(path: path)
        self.reading = reading
    }

    /// What a careful reader would want to know about the labels of `features` (`Labels.warnings`:
    /// no rows, VMs the trace lacks, overlapping rows), each sentence naming the labels file.
    public func labelWarnings(_ labels: Labels, features: TraceFeatures) -> [String] {
        let file = recording.labelsFile ?? path
        return labels.warnings(vmNames: features.vmNames).map { "\(file): \($0)" }
    }

    /// The labels and the features they label, with the diagnosis evidence, in one pass.
    public func read(windowNs: Int64) throws -> (features: TraceFeatures, labels: Labels) {
        guard let labels = try recording.labels() else { throw DatasetError.noLabels(path: path) }
        // A host recorded with its guests: the host's own traces (Recording.machineSet).
        let hosts = try recording.machineSet(windowNs: windowNs, reading: reading).hostRecordings
        guard hosts.count == 1 else { throw DatasetError.severalHosts(path: path, count: hosts.count) }
        return (try TraceFeatures.read(hosts[0], windowNs: windowNs, labels: labels, reading: reading), labels)
    }
}

/// The features and the evidence of one trace.
public struct TraceFeatures {
    /// The schema and, unless they were spooled (`rows`), the rows.
    public var table: FeatureTable
    /// The rows parked on disk, when read with a spool folder; `table.rows` is then empty.
    public var spooled: SpooledRows? = nil
    public var evidence: EvidenceStore
    /// The host-model pass behind a CTF trace; nil for an Intel PT capture.
    public var analysis: HostAnalysis?
    /// The VMs, in the order the trace revealed them.
    public var vmNames: [String]

    /// How many rows (in the table or spooled).
    public var rowCount: Int { spooled?.count ?? table.rows.count }

    /// Every row in order, from the table or read back from the spool.
    public func forEachRow(_ body: (FeatureRow) throws -> Void) throws {
        if let spooled { try spooled.forEach(body) } else { try table.rows.forEach(body) }
    }

    /// The one place that switches on what a recording is: a CTF trace goes through the host
    /// model, an Intel PT capture through the PT decoder. With `spool` (a folder for a private
    /// temporary file), a trace's rows wait on disk (`spooled`) instead of in the table.
    public static func read(_ recording: Recording, windowNs: Int64, labels: Labels?,
                            reading: ReadingOptions = .init(), spool: URL? = nil) throws -> TraceFeatures {
        switch recording.source {
        case .ptCapture:
            return try readPT(capture: URL(fileURLWithPath: recording.path), windowNs: windowNs, labels: labels)
        case .trace:
            let configuration = try recording.configuration(windowNs: windowNs, reading: reading)
            return try read(location: recording.traceLocation(), configuration: configuration, labels: labels, spool: spool)
        }
    }

    /// The traces of `location` (`Recording.traceLocation`); `onEvent` sees every event of the
    /// same pass (e.g. for the report's timelines); with `spool`, the rows wait on disk.
    public static func read(location: TraceLocation, configuration: HostModelConfiguration, labels: Labels?,
                            spool: URL? = nil, onEvent: ((Event, HostModel) -> Void)? = nil) throws -> TraceFeatures {
        let collector = try spool.map { try EvidenceCollector(spool: $0) } ?? EvidenceCollector()
        let builder = FeatureBuilder(configuration: configuration, labels: labels)
        let table: FeatureTable, analysis: HostAnalysis, spooled: SpooledRows?
        if let spool {
            let built = try builder.buildSpooled(location: location, spool: spool, alsoWindow: collector.vmWindow,
                                                 hostWindow: collector.hostWindow, onEvent: onEvent)
            (table, analysis, spooled) = (FeatureTable(schema: built.rows.schema), built.analysis, built.rows)
        } else {
            (table, analysis) = try builder.build(location: location, alsoWindow: collector.vmWindow,
                                                  hostWindow: collector.hostWindow, onEvent: onEvent)
            spooled = nil
        }
        let names = analysis.model.registry.vms.map(\.name)
        try collector.finish(vmNames: names)
        return TraceFeatures(table: table, spooled: spooled, evidence: collector.store, analysis: analysis, vmNames: names)
    }

    /// An Intel PT capture: the `pt` group per VM and window (streamed from the decoder), with the
    /// labels when given. No evidence: PT has no scheduler, disk or network events, so diagnosis
    /// names no culprit and keys from them.
    static func readPT(capture: URL, windowNs: Int64, labels: Labels?) throws -> TraceFeatures {
        TraceFeatures(pt: try PTWindowFeatures(capture: PTCaptureReader(directory: capture), windowNs: windowNs), labels: labels)
    }
}

extension TraceFeatures {
    /// The `pt` group table of decoded PT windows, with the labels when given.
    public init(pt: PTWindowFeatures, labels: Labels?) {
        let windowNs = pt.windowNs
        let schema = FeatureSchema(groups: [.pt], windowNs: windowNs)
        let values = FeatureGroup.pt.featureColumns.map { column -> @Sendable (PTWindowFeatures.Row) -> Double in
            guard case .pt(let value) = column.source else { return { _ in .nan } }
            return value
        }
        let rows = pt.rows.map { row in
            FeatureRow(vm: row.vm, startNs: row.window * windowNs, endNs: (row.window + 1) * windowNs,
                       values: values.map { $0(row) },
                       label: labels?.label(vm: row.vm, startNs: row.window * windowNs, endNs: (row.window + 1) * windowNs))
        }
        var names: [String] = []
        for r in rows where !names.contains(r.vm) { names.append(r.vm) }
        self.init(table: FeatureTable(schema: schema, rows: rows), spooled: nil, evidence: [], analysis: nil, vmNames: names)
    }
}

/// A dataset that cannot be used.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    case noLabels(path: String)
    case nothingToLearn(String)
    case severalHosts(path: String, count: Int)

    public var description: String {
        switch self {
        case .noLabels(let path): return "\(path): no labels.csv in it or beside it (a dataset is a folder with trace/ and labels.csv)"
        case .nothingToLearn(let reason): return "cannot train: \(reason)"
        case .severalHosts(let path, let count): return "\(path): holds the traces of \(count) hosts; a dataset is one host's recording (with its guests, if any)"
        }
    }
}
