import ArgumentParser
import Foundation
import HostModel
import IntelPT
import TraceIngest

/// Options every trace-reading subcommand shares.
struct TraceOptions: ParsableArguments {
    @Argument(help: "A CTF trace folder, an LTTng session folder, or a recording folder holding trace/.")
    var trace: String

    @Option(name: .customLong("vm-names"), help: "CSV `pid,name` naming the VMs (default: a vm-names.csv beside the trace).")
    var vmNames: String?

    @Flag(help: "Print JSON (the same data as the text).")
    var json = false

    /// The host model settings: VM names and known threads from the side files.
    func configuration(windowNs: Int64 = 100_000_000) throws -> HostModelConfiguration {
        var names: [Int32: String] = [:]
        if let path = vmNames ?? SideFiles.find("vm-names.csv", near: trace) {
            names = try SideFiles.vmNames(at: path)
        }
        var threads: [(tid: Int32, pid: Int32, comm: String)] = []
        if let path = SideFiles.find("threads.csv", near: trace) {
            threads = try SideFiles.threads(at: path)
        }
        return HostModelConfiguration(windowNs: windowNs, vmNames: names, knownThreads: threads)
    }

    /// When the path is an Intel PT capture (a folder with `pt-sidecar.json`), prints its stats
    /// and returns true.
    func handledAsPTCapture(guestProcesses: Bool = false) throws -> Bool {
        let url = URL(fileURLWithPath: trace)
        guard PTCapture.isCapture(at: url) else { return false }
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
