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

    @Option(name: .customLong("guest"), help: "HOSTNAME=VMNAME: the guest trace with this hostname is this VM's (when no sync events or VM name match it); repeatable.")
    var guests: [String] = []

    /// `--guest` as guest hostname → VM name.
    func guestNames() throws -> [String: String] {
        var names: [String: String] = [:]
        for pair in guests {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--guest needs HOSTNAME=VMNAME, got `\(pair)`")
            }
            names[parts[0]] = parts[1]
        }
        return names
    }

    @Option(help: "A folder holding several machines' traces: read this one only (its hostname); ignored for a folder of one machine.")
    var host: String?

    /// The path, opened once: what it is and its side files.
    var recording: Recording { Recording(path: trace, vmNames: vmNames) }

    /// How traces are read: two decoding threads on a machine with 2 or more cores (else one),
    /// `INTERFERE_THREADS` sets them (1 forces one graph), `INTERFERE_PROFILE_READER` decodes
    /// without the host model (profiling only).
    static var reading: ReadingOptions {
        let environment = ProcessInfo.processInfo.environment
        let cores = min(2, ProcessInfo.processInfo.activeProcessorCount)
        let threads = environment["INTERFERE_THREADS"].flatMap { Int($0) }.flatMap { $0 >= 1 ? $0 : nil } ?? cores
        return ReadingOptions(threads: threads, decodeOnly: environment["INTERFERE_PROFILE_READER"] != nil)
    }

    /// The host model settings: VM names and known threads from the side files.
    func configuration(windowNs: Int64 = 100_000_000) throws -> HostModelConfiguration {
        try recording.configuration(windowNs: windowNs, reading: Self.reading)
    }

    /// The machines of the path and which are hosts (`Recording.machineSet`), narrowed to
    /// `--host` when given.
    func machineSet(windowNs: Int64 = 100_000_000) throws -> MachineSet {
        let set = try recording.machineSet(windowNs: windowNs, reading: Self.reading)
        return try host.map { try set.selecting(hostname: $0, path: trace) } ?? set
    }

    /// The recording a command that writes one output reads: the path itself when it holds one
    /// machine, else its only host, or `--host`'s.
    func hostRecording() throws -> Recording {
        let hosts = try machineSet().hostRecordings
        guard hosts.count == 1 else {
            throw ValidationError("\(trace) holds \(hosts.count) hosts (\(hosts.map { $0.machine?.name ?? "-" }.joined(separator: ", "))): choose one with --host")
        }
        return hosts[0]
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
        warnUnusedNames(configuration, analyses: [analysis])
    }

    /// Warns about names for pids that are a VM on none of the hosts read.
    func warnUnusedNames(_ configuration: HostModelConfiguration, analyses: [HostAnalysis]) {
        let found = Set(analyses.flatMap { $0.model.registry.vms.map(\.pid) })
        for (pid, name) in configuration.vmNames.sorted(by: { $0.key < $1.key }) where !found.contains(pid) {
            warn("VM name `\(name)` is for pid \(pid), which is not a VM in this trace")
        }
    }
}
