import TraceIngest

/// One clock-sync event of the LTTng VM addons (`vmsync_gh_guest`, `vmsync_gh_host`,
/// `vmsync_hg_host`, `vmsync_hg_guest`): a message between a guest and its host, keyed by
/// (`vmUID`, `count`), timed on the clock of the trace that holds it.
public struct SyncEvent: Sendable, Equatable {
    public var kind: EventKind
    /// `cnt`: the message counter (the host's `hg` reply carries the guest's `gh` count + 1).
    public var count: Int64
    /// `vm_uid`: a random id the guest module draws at load (0 with addons that have none).
    public var vmUID: Int64
    public var timeNs: Int64
    /// On a host: the thread the event ran on (the vCPU that made the hypercall or is entered).
    public var tid: Int32
    /// On a host: the QEMU pid of the VM that thread belongs to, when known.
    public var vmPID: Int32?

    public init(kind: EventKind, count: Int64, vmUID: Int64, timeNs: Int64, tid: Int32 = -1, vmPID: Int32? = nil) {
        self.kind = kind
        self.count = count
        self.vmUID = vmUID
        self.timeNs = timeNs
        self.tid = tid
        self.vmPID = vmPID
    }
}

/// What the sync events of one guest and one host say: which VM the guest is, and the offset of
/// the guest's clock (host time = guest time + `offsetNs`).
///
/// Each guest → host message (gh: the guest writes `vmsync_gh_guest` at g, then its hypercall
/// makes the host write `vmsync_gh_host` at h) was received after it was sent, so
/// offset ≤ h − g; each host → guest message (hg: the host writes `vmsync_hg_host` at its next
/// kvm entry, h, and the guest `vmsync_hg_guest` after it, g) so offset ≥ h − g. The offset is the
/// middle of the tightest such bounds.
///
/// Drift: when no one offset fits every message (the tightest lower bound lies above the tightest
/// upper one) and there are messages both ways in each half of the exchange (split at the median
/// guest time), each half gives its own offset (the middle of its tightest bounds) at its mean guest time; the
/// line through the two is the fit, host = guest + `offsetNs` + `driftPerNs` × (guest −
/// `referenceNs`) (a two-point fit, not Trace Compass's convex hull). With one clock rate the two
/// halves agree and the drift is 0.
public struct ClockSync: Sendable, Equatable {
    /// The VM (QEMU pid on the host) whose vCPU threads received the guest's messages.
    public var vmPID: Int32
    /// Messages matched (gh and hg pairs).
    public var messages: Int
    /// Host time − guest time, ns.
    public var offsetNs: Int64
    /// The bounds it lies in (nil: no message in that direction).
    public var lowerNs: Int64?
    public var upperNs: Int64?
    /// Host ns gained per guest ns (0: one rate), and the guest time `offsetNs` holds at.
    public var driftPerNs: Double = 0
    public var referenceNs: Int64 = 0

    /// Host time for guest time `g`.
    public func hostTime(_ g: Int64) -> Int64 {
        g + offsetNs + (driftPerNs == 0 ? 0 : Int64((driftPerNs * Double(g - referenceNs)).rounded()))
    }

    /// The offset from the tightest bounds of (guest time, h − g) messages: gh bound it from above,
    /// hg from below; nil without any.
    static func offset(upper: [(Int64, Int64)], lower: [(Int64, Int64)]) -> (offset: Int64, lower: Int64?, upper: Int64?)? {
        let u = upper.map(\.1).min(), l = lower.map(\.1).max()
        switch (l, u) {
        case let (l?, u?): return (l + (u - l) / 2, l, u)
        case let (l?, nil): return (l, l, nil)
        case let (nil, u?): return (u, nil, u)
        default: return nil
        }
    }

    /// Matches `guest`'s sync events (read on the guest) with `host`'s (read on a host): nil when
    /// no message of the guest reached this host's VMs.
    public static func match(guest: [SyncEvent], host: [SyncEvent]) -> ClockSync? {
        struct Key: Hashable { var uid: Int64; var count: Int64 }
        var ghGuest: [Key: Int64] = [:], hgGuest: [Key: Int64] = [:]
        for e in guest {
            switch e.kind {
            case .vmsyncGHGuest: ghGuest[Key(uid: e.vmUID, count: e.count)] = e.timeNs
            case .vmsyncHGGuest: hgGuest[Key(uid: e.vmUID, count: e.count)] = e.timeNs
            default: break
            }
        }
        var lowers: [(Int64, Int64)] = [], uppers: [(Int64, Int64)] = []
        var messages = 0
        var votes: [Int32: Int] = [:]
        for e in host {
            let key = Key(uid: e.vmUID, count: e.count)
            switch e.kind {
            case .vmsyncGHHost:
                guard let g = ghGuest[key] else { continue }
                uppers.append((g, e.timeNs - g))
            case .vmsyncHGHost:
                guard let g = hgGuest[key] else { continue }
                lowers.append((g, e.timeNs - g))
            default:
                continue
            }
            messages += 1
            if let pid = e.vmPID { votes[pid, default: 0] += 1 }
        }
        guard messages > 0, let vm = votes.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key })?.key else { return nil }
        guard let whole = offset(upper: uppers, lower: lowers) else { return nil }
        var sync = ClockSync(vmPID: vm, messages: messages, offsetNs: whole.offset, lowerNs: whole.lower, upperNs: whole.upper)
        // Drift: only when no one offset fits every message (the tightest lower bound above the
        // tightest upper one); then the two halves' offsets, when each half has messages both ways.
        guard let l = whole.lower, let u = whole.upper, l > u else { return sync }
        let times = (uppers + lowers).map(\.0).sorted()
        let median = times[times.count / 2]
        let early = (uppers.filter { $0.0 < median }, lowers.filter { $0.0 < median })
        let late = (uppers.filter { $0.0 >= median }, lowers.filter { $0.0 >= median })
        func mean(_ a: [(Int64, Int64)], _ b: [(Int64, Int64)]) -> Double { Double((a + b).reduce(0) { $0 + $1.0 }) / Double(a.count + b.count) }
        if !early.0.isEmpty, !early.1.isEmpty, !late.0.isEmpty, !late.1.isEmpty,
           let o1 = offset(upper: early.0, lower: early.1), let o2 = offset(upper: late.0, lower: late.1) {
            let t1 = mean(early.0, early.1), t2 = mean(late.0, late.1)
            if t2 > t1, o1.offset != o2.offset {
                sync.driftPerNs = Double(o2.offset - o1.offset) / (t2 - t1)
                sync.referenceNs = Int64(t1.rounded())
                sync.offsetNs = o1.offset
            }
        }
        return sync
    }
}
