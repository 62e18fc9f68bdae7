import HostModel

/// The workload category of a VM held back on its disk or link. A victim starved of its device or
/// link sleeps through windows between the few requests or segments that get through, so the
/// clusters read no demand there and call those windows idle; the evidence gate has already said
/// it was asking (it issued requests or packets in the window or the ones just before). Such a
/// window takes the category the VM had before the hold-back: its most frequent category other
/// than idle over the `lookBack` windows before the period (a streaming VM stays "net"), else the
/// period's own resource (disk, net). CPU periods keep their windows' categories: a preempted
/// vCPU's demand (1 − idle share) already counts its preempted and waiting time.
public enum HeldBackCategory {
    /// Windows before a period whose categories say what the VM did before it was held back:
    /// about five seconds at the default 100 ms window.
    public static let lookBack = 50

    /// `categories`: one VM's window categories, parallel to `windows` (time order); `periods`:
    /// that VM's periods. Returns the categories with each idle window inside a disk or net period
    /// given the VM's category before it.
    public static func apply(categories: [String], windows: [WindowScore], periods: [InterferencePeriod]) -> [String] {
        var out = categories
        let idle = WorkloadCategory.idle.rawValue
        for period in periods {
            let resource: WorkloadCategory
            switch period.kind {
            case .disk: resource = .disk
            case .net: resource = .net
            default: continue
            }
            guard let first = windows.firstIndex(where: { $0.endNs > period.startNs }) else { continue }
            var counts: [String: Int] = [:]
            for c in categories[max(0, first - lookBack)..<first] where c != idle { counts[c, default: 0] += 1 }
            // The most frequent; equal counts: the first by name.
            let before = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? resource.rawValue
            for i in first..<windows.count where windows[i].startNs < period.endNs && out[i] == idle {
                out[i] = before
            }
        }
        return out
    }
}
