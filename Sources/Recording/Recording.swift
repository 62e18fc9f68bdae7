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
        /// CTF read through libbabeltrace2 (every trace below the path, on one clock, or one
        /// machine's traces of them: `machineSet`).
        case trace
        /// An Intel PT capture folder (raw per-CPU streams and `pt-sidecar.json`).
        case ptCapture
    }

    public private(set) var path: String
    public let source: Source
    /// `vm-names.csv` (`pid,name`): the one given, or the one beside the trace.
    public private(set) var vmNamesFile: String?
    /// `threads.csv` (`tid,pid,comm`) beside the trace.
    public private(set) var threadsFile: String?
    /// `clock-pings.csv` beside the one machine's traces (`selecting`; never the folder's): the
    /// measured clock pings that align a guest's clock with its host's (`GuestLink`).
    public private(set) var clockPingsFile: String?
    /// Whether `vmNamesFile` was given (not found beside the trace).
    private var vmNamesGiven = false
    /// `labels.csv` beside the trace (a dataset).
    public let labelsFile: String?
    /// The one machine read, of a folder holding several (`Recording.machines`); nil: every
    /// trace below the path, as one machine.
    public private(set) var machine: Machine?
    /// Put before every VM name: `<hostname>/` when the folder holds several hosts.
    public private(set) var vmNamePrefix = ""

    /// Decides what `path` is and finds its side files; `vmNames` overrides `vm-names.csv`.
    public init(path: String, vmNames: String? = nil) {
        self.path = path
        source = PTCapture.isCapture(at: URL(fileURLWithPath: path)) ? .ptCapture : .trace
        vmNamesFile = vmNames ?? Self.find("vm-names.csv", near: path)
        vmNamesGiven = vmNames != nil
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
        var configuration = try SideFiles.configuration(windowNs: windowNs, vmNames: vmNamesFile, threads: threadsFile, reading: reading)
        configuration.vmNamePrefix = vmNamePrefix
        return configuration
    }

    /// The CTF traces read: the chosen machine's, else every trace below the path (throws
    /// `TraceError` when there are none).
    public func traceLocation() throws -> TraceLocation {
        try machine?.location ?? TraceLocation(path: path)
    }

    /// One pass of the recording's traces through the host model, with the side files' names and
    /// threads (`configuration(windowNs:reading:)`); `recordsStateChanges` and the callbacks as
    /// `HostAnalysis.run` takes them.
    public func analysis(windowNs: Int64 = 100_000_000, reading: ReadingOptions = .init(), recordsStateChanges: Bool = false,
                         onWindow: ((VMWindow) -> Void)? = nil, onHostWindow: ((HostWindow) -> Void)? = nil,
                         onEvent: ((Event, HostModel) -> Void)? = nil) throws -> HostAnalysis {
        var configuration = try configuration(windowNs: windowNs, reading: reading)
        configuration.recordsStateChanges = recordsStateChanges
        return try HostAnalysis.run(location: traceLocation(), configuration: configuration,
                                    onWindow: onWindow, onHostWindow: onHostWindow, onEvent: onEvent)
    }

    /// This recording narrowed to one machine's traces (its path: the folder holding them all),
    /// its VMs named with `vmNamePrefix` before. `vm-names.csv` and `threads.csv` beside the
    /// machine's traces (in their folder or its parent) are its own; else the folder's are kept.
    public func selecting(_ machine: Machine, vmNamePrefix: String = "") -> Recording {
        var narrowed = self
        if !vmNamesGiven, let own = Self.find("vm-names.csv", near: machine.location.path) { narrowed.vmNamesFile = own }
        if let own = Self.find("threads.csv", near: machine.location.path) { narrowed.threadsFile = own }
        narrowed.clockPingsFile = Self.find(GuestLink.clockPingsFile, near: machine.location.path)
        narrowed.path = machine.location.path
        narrowed.machine = machine
        narrowed.vmNamePrefix = vmNamePrefix
        return narrowed
    }

    /// The clock pings of `clockPingsFile` (`SideFiles.clockPings`), nil without it.
    public func clockPings() throws -> [ClockPing]? {
        try clockPingsFile.map { try SideFiles.clockPings(at: $0) }
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
