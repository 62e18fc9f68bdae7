import Features
import Foundation
import HostModel
import IntelPT
import TraceIngest

/// A path as the user gave it, opened once: what it is (a CTF trace — a trace folder, an LTTng
/// session folder or a recording folder holding `trace/` — or an Intel PT capture), and the side
/// files found beside it. Every command and the trainer switch on `source`, never on file names.
public struct Recording: Sendable, Equatable {
    /// What the path holds.
    public enum Source: Sendable, Equatable {
        /// CTF read through libbabeltrace2 (every trace below the path, on one clock).
        case trace
        /// An Intel PT capture folder (raw per-CPU streams and `pt-sidecar.json`).
        case ptCapture
    }

    public let path: String
    public let source: Source
    /// `vm-names.csv` (`pid,name`): the one given, or the one beside the trace.
    public let vmNamesFile: String?
    /// `threads.csv` (`tid,pid,comm`) beside the trace.
    public let threadsFile: String?
    /// `labels.csv` beside the trace (a dataset).
    public let labelsFile: String?

    /// Decides what `path` is and finds its side files; `vmNames` overrides `vm-names.csv`.
    public init(path: String, vmNames: String? = nil) {
        self.path = path
        source = PTCapture.isCapture(at: URL(fileURLWithPath: path)) ? .ptCapture : .trace
        vmNamesFile = vmNames ?? Self.find("vm-names.csv", near: path)
        threadsFile = Self.find("threads.csv", near: path)
        labelsFile = Self.find("labels.csv", near: path)
    }

    /// The folder's name; for an Intel PT capture inside a recording, `<recording>/pt` (so that
    /// cross-validation keeps it with its recording).
    public var name: String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return source == .ptCapture ? url.deletingLastPathComponent().lastPathComponent + "/" + url.lastPathComponent : url.lastPathComponent
    }

    /// The host model settings: the window, VM names and known threads from the side files, and
    /// how to read.
    public func configuration(windowNs: Int64, reading: ReadingOptions = .init()) throws -> HostModelConfiguration {
        let names = try vmNamesFile.map { try SideFiles.vmNames(at: $0) } ?? [:]
        let threads = try threadsFile.map { try SideFiles.threads(at: $0) } ?? []
        return HostModelConfiguration(windowNs: windowNs, vmNames: names, knownThreads: threads, reading: reading)
    }

    /// The labels beside the trace, when there are some.
    public func labels() throws -> Labels? {
        try labelsFile.map { try Labels(path: $0) }
    }

    /// A side file beside a trace path: in the folder itself or its parent (a recording folder
    /// holds `trace/` next to them).
    public static func find(_ name: String, near tracePath: String) -> String? {
        let url = URL(fileURLWithPath: tracePath)
        for folder in [url, url.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }
}
