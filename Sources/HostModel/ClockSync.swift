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

/// One clock ping between a host and its guest, measured by whoever recorded both (`clock-pings.csv`
/// beside the guest's trace; `datasets/real/tools/record.py` pings over the guest's serial
/// console): the host's clock just before it sent the ping, the guest's clock when the ping
/// arrived, the host's clock when the answer arrived. So host − guest lies in
/// [`hostSentNs` − `guestNs`, `hostReceivedNs` − `guestNs`].
public struct ClockPing: Sendable, Equatable {
    public var hostSentNs: Int64
    public var guestNs: Int64
    public var hostReceivedNs: Int64

    public init(hostSentNs: Int64, guestNs: Int64, hostReceivedNs: Int64) {
        self.hostSentNs = hostSentNs
        self.guestNs = guestNs
        self.hostReceivedNs = hostReceivedNs
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
/// upper one: the guest's clock runs at another rate) and there are messages both ways, the fit
/// is a line, host − guest = `offsetNs` + `driftPerNs` × (guest − `referenceNs`), fitted between
/// the two sets of bounds as Trace Compass's VM analysis fits one (`SyncAlgorithmFullyIncremental`
/// takes the bisector of the least and greatest slopes between their hulls): of the lines that keep every
/// hg message's h − g below them and every gh message's above (`line`), the one of middle slope,
/// at the middle of the offsets that slope allows; when no line fits them all (a message the
/// clocks' jitter put on the wrong side), the line that misses by least (the slope where the
/// tightest lower bound exceeds the tightest upper one by least, the offset in the middle).
/// `referenceNs` is the middle of the messages' guest times. With one clock rate the drift is 0.
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
        return fitted(vmPID: vm, messages: messages, upper: uppers, lower: lowers)
    }

    /// The clock of measured pings (`ClockPing`, `clock-pings.csv`) of the guest of VM `vmPID`:
    /// each ping is a host → guest message (sent at `hostSentNs`, received at `guestNs`: a lower
    /// bound) and a guest → host one (sent at `guestNs`, received at `hostReceivedNs`: an upper
    /// bound), fitted as sync messages are; `messages` counts the pings. nil without pings.
    public static func fit(pings: [ClockPing], vmPID: Int32) -> ClockSync? {
        fitted(vmPID: vmPID, messages: pings.count,
               upper: pings.map { ($0.guestNs, $0.hostReceivedNs - $0.guestNs) },
               lower: pings.map { ($0.guestNs, $0.hostSentNs - $0.guestNs) })
    }

    /// The one fit of (guest time, h − g) bounds: the middle of the tightest bounds; a line
    /// (`line`) only when no one offset fits them all (the tightest lower bound above the
    /// tightest upper one) and there are bounds both ways. nil without any.
    static func fitted(vmPID: Int32, messages: Int, upper uppers: [(Int64, Int64)], lower lowers: [(Int64, Int64)]) -> ClockSync? {
        guard let whole = offset(upper: uppers, lower: lowers) else { return nil }
        var sync = ClockSync(vmPID: vmPID, messages: messages, offsetNs: whole.offset, lowerNs: whole.lower, upperNs: whole.upper)
        guard let l = whole.lower, let u = whole.upper, l > u, let fit = line(upper: uppers, lower: lowers) else { return sync }
        sync.driftPerNs = fit.slope
        sync.referenceNs = fit.referenceNs
        sync.offsetNs = fit.offsetNs
        return sync
    }

    /// The largest drift a fit may find, host ns per guest ns (10⁻²: 1 %, far beyond any clock's).
    static let maxDrift = 0.01

    /// The line through (guest time, h − g) bounds: of the slopes b for which an offset a keeps
    /// every lower bound at or below a + b × (g − reference) and every upper one at or above it
    /// (a convex condition: the gap, tightest lower − tightest upper at slope b, is convex in b),
    /// the middle one, and the middle of its offsets; without any, the slope of least gap. nil
    /// when the messages span no guest time.
    static func line(upper: [(Int64, Int64)], lower: [(Int64, Int64)]) -> (slope: Double, offsetNs: Int64, referenceNs: Int64)? {
        let times = (upper + lower).map(\.0)
        guard let first = times.min(), let last = times.max(), last > first, !upper.isEmpty, !lower.isEmpty else { return nil }
        let reference = first + (last - first) / 2
        // Times and offsets relative to the reference and the first lower bound (exact in a Double).
        let base = lower[0].1
        let up = upper.map { (Double($0.0 - reference), Double($0.1 - base)) }, low = lower.map { (Double($0.0 - reference), Double($0.1 - base)) }
        // At slope b: the tightest lower and upper offsets at the reference.
        func bounds(_ b: Double) -> (low: Double, up: Double) {
            (low.reduce(-Double.infinity) { max($0, $1.1 - b * $1.0) }, up.reduce(Double.infinity) { min($0, $1.1 - b * $1.0) })
        }
        func gap(_ b: Double) -> Double { let o = bounds(b); return o.low - o.up }
        // The slope of least gap (ternary search on a convex function).
        var lo = -maxDrift, hi = maxDrift
        for _ in 0..<200 {
            let m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3
            if gap(m1) <= gap(m2) { hi = m2 } else { lo = m1 }
        }
        var slope = (lo + hi) / 2
        if gap(slope) <= 0 {
            // The slopes that fit: an interval around it; its middle.
            func edge(_ inside: Double, _ outside: Double) -> Double {
                guard gap(outside) > 0 else { return outside }
                var a = inside, b = outside
                for _ in 0..<200 { let m = (a + b) / 2; if gap(m) <= 0 { a = m } else { b = m } }
                return a
            }
            slope = (edge(slope, -maxDrift) + edge(slope, maxDrift)) / 2
        }
        let o = bounds(slope)
        return (slope, base + Int64(((o.low + o.up) / 2).rounded()), reference)
    }
}
