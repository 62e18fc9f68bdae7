import Foundation
import HostModel

/// A guest machine of a folder matched to its VM on a host, and how its clock relates to the host's.
public struct GuestLink: Sendable, Equatable, Codable {
    /// How the guest was matched, in the order they are tried.
    public enum Method: String, Sendable, Codable {
        /// The LTTng VM addons' `vmsync_*` events of the guest reached this VM's vCPU threads.
        case syncEvents = "sync-events"
        /// The guest's hostname is the VM's name (`vm-names.csv`, or the QEMU process name).
        case hostname
        /// `--guest HOSTNAME=VMNAME`.
        case option
    }

    /// The guest's hostname.
    public var guest: String
    /// The host's hostname (`-` when it names none).
    public var host: String
    /// The VM's name as the commands show it (`host/name` when the folder holds several hosts).
    public var vm: String
    public var vmPID: Int32
    public var method: Method
    /// Host time − guest time, ns, from the sync events or the clock pings; nil: neither, the
    /// two traces are taken as on one clock.
    public var clockOffsetNs: Int64?
    /// With drift (`ClockSync.driftPerNs`): host ns gained per guest ns, in parts per billion, and
    /// the guest time the offset holds at; nil: one clock rate.
    public var clockDriftPPB: Double? = nil
    public var clockReferenceNs: Int64? = nil

    /// Host time for guest time `g` (no sync: the same).
    public func hostTime(_ g: Int64) -> Int64 {
        guard let offset = clockOffsetNs else { return g }
        guard let ppb = clockDriftPPB, let reference = clockReferenceNs else { return g + offset }
        return g + offset + Int64((ppb * 1e-9 * Double(g - reference)).rounded())
    }
    /// Sync messages matched (0 without sync events).
    public var syncMessages: Int
    /// Without sync events: the clock pings of the guest's `clock-pings.csv` the clock was fitted
    /// to (nil: none), and, when one offset fits them all, half the width of the bounds they leave
    /// (the offset is within that of the truth).
    public var clockPings: Int? = nil
    public var clockToleranceNs: Int64? = nil

    /// What aligned the clock, as the commands say it: `N vmsync messages` or `N clock pings
    /// (clock-pings.csv)`.
    public var clockEvidence: String {
        clockPings.map { "\($0) clock pings (\(GuestLink.clockPingsFile))" } ?? "\(syncMessages) vmsync messages"
    }

    /// How far the clock offset may be off, as the commands say it: ` ± T ns` when clock pings
    /// bound it, else nothing.
    public var clockToleranceText: String { clockToleranceNs.map { " ± \($0) ns" } ?? "" }

    /// Takes `sync`'s clock: its offset and, when it drifts, its drift.
    mutating func takeClock(of sync: ClockSync) {
        clockOffsetNs = sync.offsetNs
        if sync.driftPerNs != 0 {
            clockDriftPPB = sync.driftPerNs * 1e9
            clockReferenceNs = sync.referenceNs
        }
    }

    /// The side file of measured clock pings beside a guest's traces (in their folder or its
    /// parent): `host_sent_ns,guest_ns,host_received_ns` rows (`ClockPing`; other columns ignored).
    public static let clockPingsFile = "clock-pings.csv"
}

extension MachineSet {
    /// Each machine that is not a host, matched to a VM of a host: by the sync events, else by
    /// hostname = VM name, else by `named` (guest hostname → VM name, `--guest`). Machines that
    /// match no VM are left out. A folder of one machine has no guests. The guest's clock (the one
    /// place it is decided): from the sync events, else from its clock pings (`Member.clockPings`,
    /// its `clock-pings.csv`), else taken as the host's.
    public func guestLinks(named: [String: String] = [:]) -> [GuestLink] {
        let hostMembers = members.filter(\.isHost)
        var links: [GuestLink] = []
        for member in members where !member.isHost {
            guard let hostname = member.machine.hostname, let guestAnalysis = member.analysis else { continue }
            func link(_ host: MachineSet.Member, pid: Int32, method: GuestLink.Method, sync: ClockSync?) -> GuestLink? {
                guard let vm = host.analysis?.model.registry.vms.first(where: { $0.pid == pid }) else { return nil }
                var found = GuestLink(guest: hostname, host: host.machine.name, vm: host.recording.vmNamePrefix + vm.name, vmPID: pid,
                                      method: method, clockOffsetNs: nil, syncMessages: sync?.messages ?? 0)
                if let sync { found.takeClock(of: sync) }
                return found
            }
            let syncs = hostMembers.compactMap { host in
                ClockSync.match(guest: guestAnalysis.model.syncEvents, host: host.analysis?.model.syncEvents ?? []).map { (host, $0) }
            }
            if let (host, sync) = syncs.max(by: { $0.1.messages < $1.1.messages }),
               let found = link(host, pid: sync.vmPID, method: .syncEvents, sync: sync) {
                links.append(found)
                continue
            }
            // A VM of that name on one host; on several, the host whose traces share the deepest
            // folder with the guest's (a recording folder holding both); a tie matches none.
            func byName(_ name: String, method: GuestLink.Method) -> GuestLink? {
                let candidates = hostMembers.compactMap { host -> (MachineSet.Member, Int32, Int)? in
                    let prefix = host.recording.vmNamePrefix
                    guard let vm = host.analysis?.model.registry.vms.first(where: { $0.name == name || prefix + $0.name == name }) else { return nil }
                    let shared = Machine.commonFolder([host.machine.location.path, member.machine.location.path])
                    return (host, vm.pid, (shared as NSString).pathComponents.count)
                }
                guard let best = candidates.max(by: { $0.2 < $1.2 }),
                      candidates.filter({ $0.2 == best.2 }).count == 1 else { return nil }
                return link(best.0, pid: best.1, method: method, sync: nil)
            }
            // The hostname rule compares the trace's own hostname (`localhost`, not `localhost@guest`);
            // `--guest` takes the machine's name as `events` shows it.
            let traceHostname = member.machine.traceHostname
            if var found = traceHostname.flatMap({ byName($0, method: .hostname) }) ?? named[hostname].flatMap({ byName($0, method: .option) }) {
                if let pings = member.clockPings, let sync = ClockSync.fit(pings: pings, vmPID: found.vmPID) {
                    found.takeClock(of: sync)
                    found.clockPings = pings.count
                    if sync.driftPerNs == 0, let l = sync.lowerNs, let u = sync.upperNs {
                        found.clockToleranceNs = (u - l) / 2
                    }
                }
                links.append(found)
            }
        }
        return links
    }
}
