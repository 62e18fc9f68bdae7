import ArgumentParser
import Foundation
import HostModel
import IntelPT
import TraceIngest
import Recording

/// Options every trace-reading subcommand shares.
struct TraceOptions: ParsableArguments {
    @Argument(help: "A CTF trace folder, an LTTng session folder, or a recording folder holding trace/.")
    var trace: String

    @Option(name: .customLong("vm-names"), help: "CSV `pid,name` naming the VMs (default: a vm-names.csv beside the trace).")
    var vmNames: String?

    @Flag(help: "Print JSON (the same data as the text).")
    var json = false

    /// The path, opened once: what it is and its side files.
    var recording: Recording { Recording(path: trace, vmNames: vmNames) }

    /// How traces are read: `INTERFERE_THREADS` sets the decoding threads (1 forces one graph),
    /// `INTERFERE_PROFILE_READER` decodes without the host model (profiling only).
    static var reading: ReadingOptions {
        let environment = ProcessInfo.processInfo.environment
        let threads = environment["INTERFERE_THREADS"].flatMap { Int($0) }.flatMap { $0 >= 1 ? $0 : nil } ?? ReadingOptions.defaultThreads
        return ReadingOptions(threads: threads, decodeOnly: environment["INTERFERE_PROFILE_READER"] != nil)
    }

    /// The host model settings: VM names and known threads from the side files.
    func configuration(windowNs: Int64 = 100_000_000) throws -> HostModelConfiguration {
        try recording.configuration(windowNs: windowNs, reading: Self.reading)
    }

    /// When the path is an Intel PT capture (a folder with `pt-sidecar.json`), prints its stats
    /// and returns true.
    func handledAsPTCapture(guestProcesses: Bool = false) throws -> Bool {
        guard recording.source == .ptCapture else { return false }
        let url = URL(fileURLWithPath: trace)
        // Stats need time order per CPU only: decoded one CPU after another, counted event by event.
        var stats = try PTStats(capture: PTCaptureReader(directory: url))
        stats.showGuestProcesses = guestProcesses
        print(json ? try stats.json() : stats.description)
        return true
    }

    /// Warns about names for pids that are not VMs of the trace.
    func warnUnusedNames(_ configuration: HostModelConfiguration, analysis: HostAnalysis) {
        let found = Set(analysis.model.registry.vms.map(\.pid))
        for (pid, name) in configuration.vmNames.sorted(by: { $0.key < $1.key }) where !found.contains(pid) {
            warn("VM name `\(name)` is for pid \(pid), which is not a VM in this trace")
        }
    }
}
