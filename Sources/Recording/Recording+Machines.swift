import Foundation
import HostModel
import TraceIngest

/// The machines of a recording and which of them are hosts, decided once for every command.
public struct MachineSet {
    /// One machine: its traces, the recording narrowed to them, and what its host-model pass found.
    public struct Member {
        public var machine: Machine
        /// The recording of this machine alone (VM names prefixed when there are several hosts).
        public var recording: Recording
        /// The pass that told whether it is a host (with the configuration's window and names,
        /// without the VM name prefix); nil for a folder of one machine, read by the command itself.
        public var analysis: HostAnalysis?
        /// Whether QEMU processes or kvm events are found on it (always true for a folder of one machine).
        public var isHost: Bool
        /// The clock pings beside its traces (`Recording.clockPings`, read and checked when the
        /// set is made); nil without `clock-pings.csv`.
        public var clockPings: [ClockPing]? = nil
    }

    /// Every machine, in the order of its first trace folder.
    public var members: [Member]

    /// Whether the folder holds one machine only (read as it always was).
    public var isSingle: Bool { members.count == 1 && members[0].analysis == nil }

    /// What each host's results are read from: the recording itself for a folder of one machine,
    /// else each host's own traces.
    public var hostRecordings: [Recording] { isSingle ? [members[0].recording] : hosts.map(\.recording) }

    /// One host-model pass per host (`stats`, `events`): the path as one machine when it holds
    /// one; else each host's own traces (the pass that found it a host, read again when its VM
    /// names get the host prefix).
    public func hostAnalyses(reading: ReadingOptions = .init()) throws -> [HostAnalysis] {
        if isSingle { return [try members[0].recording.analysis(reading: reading)] }
        return try hosts.map { host in
            if host.recording.vmNamePrefix.isEmpty, let analysis = host.analysis { return analysis }
            return try host.recording.analysis(reading: reading)
        }
    }

    /// The machine set narrowed to the machine of `hostname` (`--host`); a folder of one machine
    /// stays as it is.
    public func selecting(hostname: String, path: String) throws -> MachineSet {
        guard !isSingle else { return self }
        var set = self
        set.members = members.filter { $0.machine.hostname == hostname }
        guard !set.members.isEmpty else {
            throw RecordingError.noMachine(path: path, hostname: hostname, machines: members.map(\.machine.name))
        }
        return set
    }

    /// The machines VMs are looked for on: the hosts, or every machine when none is a host.
    public var hosts: [Member] {
        let found = members.filter(\.isHost)
        return found.isEmpty ? members : found
    }
}

extension Recording {
    /// The machines of a CTF trace folder (`Machine.group` of each trace's environment); an Intel
    /// PT capture is one machine.
    public func machines() throws -> [Machine] {
        guard source == .trace else {
            return [Machine(hostname: nil, tracer: nil, location: TraceLocation(path: path, traceDirectories: []))]
        }
        let location = try TraceLocation(path: path)
        if location.traceDirectories.count == 1 {
            return [Machine(hostname: nil, tracer: nil, location: location)]
        }
        // A trace libbabeltrace2 refuses names no host here: reading it says what is wrong.
        let environments = location.traceDirectories.map {
            (try? TraceEnvironment.probe(directory: $0)) ?? TraceEnvironment(directory: $0, hostname: nil, tracer: nil)
        }
        return Machine.group(environments, path: path)
    }

    /// The machines and which are hosts. A folder of one machine is returned as is, unread; with
    /// several, each is read once through the host model (`configuration`'s names, window and
    /// reading) to tell hosts (`HostAnalysis.isHost`) from the rest; with several hosts, each
    /// host's VMs are named `<hostname>/<name>`.
    public func machineSet(windowNs: Int64 = 100_000_000, reading: ReadingOptions = .init()) throws -> MachineSet {
        let machines = try machines()
        guard machines.count > 1 else {
            return MachineSet(members: [.init(machine: machines[0], recording: self, analysis: nil, isHost: true)])
        }
        var members = try machines.map { machine -> MachineSet.Member in
            let narrowed = selecting(machine)
            let analysis = try narrowed.analysis(windowNs: windowNs, reading: reading)
            return .init(machine: machine, recording: narrowed, analysis: analysis, isHost: analysis.isHost,
                         clockPings: try narrowed.clockPings())
        }
        if members.filter(\.isHost).count > 1 {
            for i in members.indices where members[i].isHost {
                members[i].recording = selecting(members[i].machine, vmNamePrefix: members[i].machine.name + "/")
            }
        }
        return MachineSet(members: members)
    }
}
