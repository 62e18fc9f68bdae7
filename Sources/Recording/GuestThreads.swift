import HostModel
import TraceIngest

/// `stats --guest-threads` of one guest matched to its VM: per guest thread, its time in each
/// state seen from both traces, and who held the pCPU while its vCPU was preempted.
public struct GuestThreadReport: Sendable, Codable {
    public var link: GuestLink
    public var threads: [GuestThreadTimes]
    /// With a `GuestThreadTimeline.Axis`: per thread, its time per state per bin (for lanes).
    public var timelines: [GuestThreadTimeline]? = nil
}

/// One guest thread's time per state (`GuestThreadView.states`) in each bin of an axis.
public struct GuestThreadTimeline: Sendable, Codable, Equatable {
    /// Bins of `widthNs` from `originNs` (host clock), `count` of them.
    public struct Axis: Sendable, Codable, Equatable {
        public var originNs: Int64, widthNs: Int64, count: Int
        public init(originNs: Int64, widthNs: Int64, count: Int) {
            self.originNs = originNs
            self.widthNs = max(1, widthNs)
            self.count = max(1, count)
        }
    }
    public var tid: Int32
    public var comm: String
    /// `bins[i][state]`: ns.
    public var bins: [[Int64]]
}

extension MachineSet {
    /// Reads `link`'s guest trace (its `sched_switch`es, moved to the host clock by the link's
    /// offset) and its host's trace through the host model, fused by `GuestThreadView` (current
    /// time only while the host's trace runs; without kvm entry/exit events, running is guest).
    /// With `axis`, also each thread's states binned on it (the report's lanes).
    public func guestThreads(_ link: GuestLink, reading: ReadingOptions = .init(), axis: GuestThreadTimeline.Axis? = nil) throws -> GuestThreadReport {
        guard let guest = members.first(where: { $0.machine.hostname == link.guest }),
              let host = members.first(where: { $0.isHost && $0.machine.name == link.host }) else {
            return GuestThreadReport(link: link, threads: [])
        }
        let reader = TraceReader(location: guest.machine.location, threads: reading.threads)
        var switches: [GuestSwitch] = []
        var guestEnd: Int64 = .min
        try reader.read { e in
            guard e.kind == .schedSwitch, e.cpu >= 0 else { return }
            switches.append(GuestSwitch(timeNs: link.hostTime(e.time), cpu: Int(e.cpu), prevTid: Int32(truncatingIfNeeded: e.a),
                                        prevState: e.b, nextTid: Int32(truncatingIfNeeded: e.c), nextComm: reader.strings[e.s2]))
            guestEnd = max(guestEnd, link.hostTime(e.time))
        }
        var view = GuestThreadView()
        var binned: [Int32: [[Int64]]] = [:]
        if let axis {
            let states = GuestThreadView.states.count
            view.onInterval = { tid, state, from, to in
                var s = max(from, axis.originNs)
                while s < to {
                    let i = Int((s - axis.originNs) / axis.widthNs)
                    guard i < axis.count else { break }
                    let end = min(to, axis.originNs + Int64(i + 1) * axis.widthNs)
                    binned[tid, default: Array(repeating: Array(repeating: 0, count: states), count: axis.count)][i][state] += end - s
                    s = end
                }
            }
        }
        var next = 0
        // Without kvm entry/exit events a running vCPU is never seen entering the guest (the host
        // model keeps it in the hypervisor state): all its running time is guest time.
        let splitsGuest = host.analysis?.hasKVMEvents ?? true
        let analysis = try host.recording.analysis(reading: reading, recordsStateChanges: true, onEvent: { e, model in
            while next < switches.count, switches[next].timeNs <= e.time { view.guest(switches[next]); next += 1 }
            model.drainStateChanges { change in
                guard let info = model.registry.info(change.tid), info.vm >= 0, info.vcpu >= 0,
                      model.registry.vms[info.vm].pid == link.vmPID else { return }
                let state = !splitsGuest && change.state == .hypervisor ? VCPUState.guest : change.state
                view.vcpu(Int(info.vcpu), state: state, pcpu: change.cpu, at: change.timeNs)
            }
            if e.kind == .schedSwitch, e.cpu >= 0 {
                view.hostCPU(e.cpu, runs: model.registry.culpritName(of: Int32(truncatingIfNeeded: e.c)), at: e.time)
            }
        })
        // The vCPUs' states are known up to the host trace's last event, not after it.
        let hostEnd = analysis.inventory.lastTimeNs ?? .min
        while next < switches.count, switches[next].timeNs <= hostEnd { view.guest(switches[next]); next += 1 }
        view.hostEnded(at: hostEnd)
        while next < switches.count { view.guest(switches[next]); next += 1 }
        view.finish(at: max(hostEnd, guestEnd))
        let threads = view.sorted
        let timelines = axis.map { _ in threads.compactMap { t in binned[t.tid].map { GuestThreadTimeline(tid: t.tid, comm: t.comm, bins: $0) } } }
        return GuestThreadReport(link: link, threads: threads, timelines: timelines)
    }
}
