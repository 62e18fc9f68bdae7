import Features
import Foundation
import HostModel
import TraceIngest

/// A labeled recording: a folder with `trace/` (or the trace itself) and `labels.csv`, and
/// optionally `vm-names.csv` and `threads.csv`.
public struct Dataset: Sendable {
    public var path: String
    public var name: String { URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent }

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
        return try TraceFeatures.read(path: path, configuration: Self.configuration(near: path, windowNs: windowNs), labels: labels)
    }
}

/// The features and the evidence of one trace.
public struct TraceFeatures {
    public var table: FeatureTable
    public var evidence: [WindowEvidence]
    public var analysis: HostAnalysis

    /// `onEvent` sees every event of the same pass (e.g. for the report's timelines).
    public static func read(path: String, configuration: HostModelConfiguration, labels: Labels?,
                            onEvent: ((Event, HostModel) -> Void)? = nil) throws -> TraceFeatures {
        let collector = EvidenceCollector()
        let (table, analysis) = try FeatureBuilder(configuration: configuration, labels: labels)
            .build(path: path, alsoWindow: collector.vmWindow, hostWindow: collector.hostWindow, onEvent: onEvent)
        collector.finish(vmNames: analysis.model.registry.vms.map(\.name))
        return TraceFeatures(table: table, evidence: collector.evidence, analysis: analysis)
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
