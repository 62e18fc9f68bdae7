import HostModel
import TraceIngest

/// `stats --guest-threads` of one guest matched to its VM: per guest thread, its time in each
/// state seen from both traces, and who held the pCPU while its vCPU was preempted.
public struct GuestThreadReport: Sendable, Codable {
    public var link: GuestLink
    public var threads: [GuestThreadTimes]
}

extension MachineSet {
    /// Reads `link`'s guest trace (its `sched_switch`es, moved to the host clock by the link's
    /// offset) and its host's trace through the host model, fused by `GuestThreadView`.
    public func guestThreads(_ link: GuestLink, reading: ReadingOptions = .init()) throws -> GuestThreadReport {
        guard let guest = members.first(where: { $0.machine.hostname == link.guest }),
              let host = members.first(where: { $0.isHost && $0.machine.name == link.host }) else {
            return GuestThreadReport(link: link, threads: [])
        }
        let offset = link.clockOffsetNs ?? 0
        let reader = TraceReader(location: guest.machine.location, threads: reading.threads)
        var switches: [GuestSwitch] = []
        var guestEnd: Int64 = .min
        try reader.read { e in
            guard e.kind == .schedSwitch, e.cpu >= 0 else { return }
            switches.append(GuestSwitch(timeNs: e.time + offset, cpu: Int(e.cpu), prevTid: Int32(truncatingIfNeeded: e.a),
                                        prevState: e.b, nextTid: Int32(truncatingIfNeeded: e.c), nextComm: reader.strings[e.s2]))
            guestEnd = max(guestEnd, e.time + offset)
        }
        var view = GuestThreadView()
        var next = 0
        let analysis = try host.recording.analysis(reading: reading, recordsStateChanges: true, onEvent: { e, model in
            while next < switches.count, switches[next].timeNs <= e.time { view.guest(switches[next]); next += 1 }
            model.drainStateChanges { change in
                guard let info = model.registry.info(change.tid), info.vm >= 0, info.vcpu >= 0,
                      model.registry.vms[info.vm].pid == link.vmPID else { return }
                view.vcpu(Int(info.vcpu), state: change.state, pcpu: change.cpu, at: change.timeNs)
            }
            if e.kind == .schedSwitch, e.cpu >= 0 {
                view.hostCPU(e.cpu, runs: model.registry.culpritName(of: Int32(truncatingIfNeeded: e.c)), at: e.time)
            }
        })
        while next < switches.count { view.guest(switches[next]); next += 1 }
        view.finish(at: max(analysis.inventory.lastTimeNs ?? .min, guestEnd))
        return GuestThreadReport(link: link, threads: view.sorted)
    }
}
