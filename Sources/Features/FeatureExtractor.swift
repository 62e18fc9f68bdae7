import HostModel

/// Turns one `VMWindow` into the values of the schema's columns (rates per second, shares of
/// the vCPU time observed, latencies in ms or µs). A metric with no sample in the window (no
/// wait, no request) is 0; a column of an absent group is never produced.
public struct FeatureExtractor: Sendable {
    public let schema: FeatureSchema

    public init(schema: FeatureSchema) {
        self.schema = schema
    }

    public func values(for w: VMWindow) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(schema.columns.count)
        let seconds = max(w.seconds, 1e-9)
        let vcpuTime = Double(w.states.total)
        func share(_ ns: Int64) -> Double { vcpuTime > 0 ? Double(ns) / vcpuTime : 0 }
        func rate(_ n: Int) -> Double { Double(n) / seconds }
        func rate(_ n: Int64) -> Double { Double(n) / seconds }
        for group in schema.groups {
            switch group {
            case .sched:
                out.append(Double(w.activeVCPUs.count))
                out.append(share(w.states.running))
                out.append(share(w.states[.preempted]))
                out.append(share(w.states[.waiting]))
                out.append(share(w.states[.idle]))
                out.append(rate(w.preemptions))
                out.append(rate(w.wakeups))
                out.append(rate(w.migrations))
                out.append(Stats.mean(w.waitLatencies) / 1e6)
                out.append(Stats.quantile(w.waitLatencies, 0.95) / 1e6)
                out.append(Stats.standardDeviation(w.preemptedDurations) / 1e6)
                out.append(share(w.stolenByKind[StealerKind.vm.rawValue]))
                out.append(share(w.stolenByKind[StealerKind.host.rawValue] + w.stolenByKind[StealerKind.kernel.rawValue]))
                // Self-contention: the VM's own threads held its vCPUs' CPU (never a neighbour).
                out.append(share(w.stolenByKind[StealerKind.same.rawValue]))
                for cause in WakeCause.allCases { out.append(rate(w.wakeCauses[cause.rawValue])) }
            case .kvm:
                out.append(share(w.states[.guest]))
                out.append(share(w.states[.hypervisor]))
                out.append(rate(w.totalExits))
                var byGroup = [Int](repeating: 0, count: ExitGroup.allCases.count)
                for (reason, n) in w.exitsByReason {
                    byGroup[ExitGroup.allCases.firstIndex(of: reason.group)!] += n
                }
                for n in byGroup { out.append(rate(n)) }
                out.append(w.exitHandling.count > 0 ? w.exitHandling.mean / 1e3 : 0)
                out.append(w.exitHandling.count > 0 ? w.exitHandling.standardDeviation / 1e3 : 0)
            case .block:
                out.append(rate(w.diskReads))
                out.append(rate(w.diskWrites))
                out.append(rate(w.diskReadBytes))
                out.append(rate(w.diskWriteBytes))
                out.append(Stats.mean(w.diskLatencies) / 1e6)
                out.append(Stats.quantile(w.diskLatencies, 0.95) / 1e6)
                out.append(Stats.standardDeviation(Stats.intervals(w.diskIssueTimes)) / 1e6)
                out.append(Stats.standardDeviation(Stats.intervals(w.diskCompleteTimes)) / 1e6)
            case .qemu:
                out.append(rate(w.qemuSubmits))
                out.append(rate(w.qemuCompletes))
                out.append(Stats.mean(w.qemuLatencies) / 1e6)
            case .net:
                out.append(rate(w.netTxPackets))
                out.append(rate(w.netRxPackets))
                out.append(rate(w.netTxBytes))
                out.append(rate(w.netRxBytes))
                out.append(w.vhostObservedNs > 0 ? Double(w.vhostWaitingNs) / Double(w.vhostObservedNs) : 0)
                out.append(Stats.mean(w.xmitDelays) / 1e6)
            case .pt:
                // Filled by the Intel PT source; a CTF trace never has this group.
                out.append(contentsOf: repeatElement(Double.nan, count: group.columns.count))
            }
        }
        return out
    }
}

/// Small statistics over raw samples (0 for an empty sample: "nothing happened").
public enum Stats {
    public static func mean(_ xs: [Int64]) -> Double {
        xs.isEmpty ? 0 : Double(xs.reduce(0, +)) / Double(xs.count)
    }

    /// Population standard deviation.
    public static func standardDeviation(_ xs: [Int64]) -> Double {
        guard xs.count > 1 else { return 0 }
        let m = mean(xs)
        let v = xs.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(xs.count)
        return v.squareRoot()
    }

    /// Nearest-rank quantile.
    public static func quantile(_ xs: [Int64], _ q: Double) -> Double {
        guard !xs.isEmpty else { return 0 }
        let sorted = xs.sorted()
        let rank = max(1, Int((q * Double(sorted.count)).rounded(.up)))
        return Double(sorted[min(sorted.count, rank) - 1])
    }

    /// Differences between consecutive times (sorted).
    public static func intervals(_ times: [Int64]) -> [Int64] {
        guard times.count > 1 else { return [] }
        let sorted = times.sorted()
        return zip(sorted.dropFirst(), sorted).map { $0 - $1 }
    }
}
