import HostModel
import TraceIngest

/// `stats --guest-processes` of one host's CTF trace: the guest processes and threads told apart
/// from the host trace alone by `addons_vcpu_enter_guest` (`GuestProcessDecoder`).
public struct GuestProcessReport: Sendable, Codable {
    public var host: String
    /// `vcpu_enter_guest` events read (0: the trace has none, nothing to tell).
    public var enterGuestEvents: Int
    /// Guests whose own statedump gave the user stacks' ranges and the process names.
    public var statedumps: [String]
    public var processes: [GuestProcessTimes]
}

extension MachineSet {
    /// One report per host: its own traces through the host model, each vCPU's guest-mode time
    /// given to the guest CR3 and stack of its last `vcpu_enter_guest`. A guest trace beside it
    /// that is matched to one of its VMs lends its statedump (`lttng_statedump_vm_map`,
    /// `lttng_statedump_process_state`).
    public func guestProcesses(links: [GuestLink], reading: ReadingOptions = .init()) throws -> [GuestProcessReport] {
        if isSingle {
            return [try Self.guestProcesses(host: members[0].machine.name, recording: members[0].recording, reading: reading, statedumps: [:])]
        }
        return try hosts.map { host in
            var statedumps: [String: GuestStatedump] = [:]
            for link in links where link.host == host.machine.name {
                guard let guest = members.first(where: { $0.machine.hostname == link.guest }) else { continue }
                let dump = try Self.statedump(guest.machine.location, reading: reading)
                if !dump.isEmpty { statedumps[link.vm] = dump }
            }
            return try Self.guestProcesses(host: host.machine.name, recording: host.recording, reading: reading, statedumps: statedumps)
        }
    }

    static func guestProcesses(host: String, recording: Recording, reading: ReadingOptions,
                               statedumps: [String: GuestStatedump]) throws -> GuestProcessReport {
        let sink = GuestProcessSink(statedumps: statedumps)
        var events = 0
        let analysis = try recording.analysis(windowNs: 100_000_000, reading: reading, recordsStateChanges: true, onEvent: { e, model in
            if e.kind == .vcpuEnterGuest { events += 1 }
            sink.consume(e, model: model)
        })
        return GuestProcessReport(host: host, enterGuestEvents: events, statedumps: statedumps.keys.sorted(),
                                  processes: sink.finish(model: analysis.model))
    }

    /// A guest trace's statedump: its processes' memory maps and names.
    static func statedump(_ location: TraceLocation, reading: ReadingOptions) throws -> GuestStatedump {
        let reader = TraceReader(location: location, threads: reading.threads)
        var dump = GuestStatedump()
        try reader.read { e in
            switch e.kind {
            case .statedumpVMMap:
                dump.maps.append(GuestMemoryMap(pid: Int32(truncatingIfNeeded: e.a), start: UInt64(bitPattern: e.b), end: UInt64(bitPattern: e.c)))
            case .statedumpProcessState where e.a == e.b:
                dump.names[Int32(truncatingIfNeeded: e.b)] = reader.strings[e.s1]
            default: break
            }
        }
        return dump
    }
}
