import Features
import Foundation
import HostModel
import IntelPT
import TraceIngest

/// A labeled recording: a folder with `trace/` (or the trace itself) and `labels.csv`, and
/// optionally `vm-names.csv` and `threads.csv`.
public struct Dataset: Sendable {
    public var path: String
    /// The folder's name; for an Intel PT capture inside a recording, `<recording>/pt` (so that
    /// cross-validation keeps it with its recording).
    public var name: String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return isPTCapture ? url.deletingLastPathComponent().lastPathComponent + "/" + url.lastPathComponent : url.lastPathComponent
    }

    /// The dataset is an Intel PT capture (a folder with `pt-sidecar.json`), labels beside it.
    public var isPTCapture: Bool { PTCapture.isCapture(at: URL(fileURLWithPath: path)) }

    public init(path: String) { self.path = path }

    public var labelsPath: String? { SideFiles.find("labels.csv", near: path) }

    /// Host model settings from the side files beside the trace.
    public static func configuration(near path: String, windowNs: Int64, vmNames: String? = nil) throws -> HostModelConfiguration {
        var names: [Int32: String] = [:]
        if let file = vmNames ?? SideFiles.find("vm-names.csv", near: path) { names = try SideFiles.vmNames(at: file) }
        var threads: [(tid: Int32, pid: Int32, comm: String)] = []
        if let file = SideFiles.find("threads.csv", near: path) { threads = try SideFiles.threads(at: file) }
        return HostModelConfiguration(windowNs: windowNs, vmNames: names, knownThreads: threads)
    }

    /// Features (with labels when the dataset has them) and diagnosis evidence, in one pass.
    public func read(windowNs: Int64, requireLabels: Bool) throws -> TraceFeatures {
        let labels: Labels?
        if let file = labelsPath { labels = try Labels(path: file) } else if requireLabels {
            throw DatasetError.noLabels(path: path)
        } else { labels = nil }
        if isPTCapture { return try TraceFeatures.readPT(capture: URL(fileURLWithPath: path), windowNs: windowNs, labels: labels) }
        return try TraceFeatures.read(path: path, configuration: Self.configuration(near: path, windowNs: windowNs), labels: labels)
    }
}

/// The features and the evidence of one trace.
public struct TraceFeatures {
    public var table: FeatureTable
    public var evidence: [WindowEvidence]
    /// The host-model pass behind a CTF trace; nil for an Intel PT capture.
    public var analysis: HostAnalysis?
    /// The VMs, in the order the trace revealed them.
    public var vmNames: [String]

    /// `onEvent` sees every event of the same pass (e.g. for the report's timelines).
    public static func read(path: String, configuration: HostModelConfiguration, labels: Labels?,
                            onEvent: ((Event, HostModel) -> Void)? = nil) throws -> TraceFeatures {
        let collector = EvidenceCollector()
        let (table, analysis) = try FeatureBuilder(configuration: configuration, labels: labels)
            .build(path: path, alsoWindow: collector.vmWindow, hostWindow: collector.hostWindow, onEvent: onEvent)
        let names = analysis.model.registry.vms.map(\.name)
        collector.finish(vmNames: names)
        return TraceFeatures(table: table, evidence: collector.evidence, analysis: analysis, vmNames: names)
    }

    /// An Intel PT capture: the `pt` group per VM and window (streamed from the decoder), with the
    /// labels when given. No evidence: PT has no scheduler, disk or network events, so diagnosis
    /// names no culprit and keys from them.
    public static func readPT(capture: URL, windowNs: Int64, labels: Labels?) throws -> TraceFeatures {
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
        self.init(table: FeatureTable(schema: schema, rows: rows), evidence: [], analysis: nil, vmNames: names)
    }
}

/// A dataset that cannot be used.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    case noLabels(path: String)
    case nothingToLearn(String)

    public var description: String {
        switch self {
        case .noLabels(let path): return "\(path): no labels.csv in it or beside it (a dataset is a folder with trace/ and labels.csv)"
        case .nothingToLearn(let reason): return "cannot train: \(reason)"
        }
    }
}
