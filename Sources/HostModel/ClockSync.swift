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
/// middle of the tightest such bounds (one constant offset: clock drift over the trace is not
/// modelled, unlike Trace Compass's convex-hull fit).
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
        var lower: Int64?, upper: Int64?
        var messages = 0
        var votes: [Int32: Int] = [:]
        for e in host {
            let key = Key(uid: e.vmUID, count: e.count)
            switch e.kind {
            case .vmsyncGHHost:
                guard let g = ghGuest[key] else { continue }
                upper = min(upper ?? .max, e.timeNs - g)
            case .vmsyncHGHost:
                guard let g = hgGuest[key] else { continue }
                lower = max(lower ?? .min, e.timeNs - g)
            default:
                continue
            }
            messages += 1
            if let pid = e.vmPID { votes[pid, default: 0] += 1 }
        }
        guard messages > 0, let vm = votes.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key })?.key else { return nil }
        let offset: Int64
        switch (lower, upper) {
        case let (l?, u?): offset = l + (u - l) / 2
        case let (l?, nil): offset = l
        case let (nil, u?): offset = u
        default: return nil
        }
        return ClockSync(vmPID: vm, messages: messages, offsetNs: offset, lowerNs: lower, upperNs: upper)
    }
}
