import Features
import Learning

extension SigmaBaseline {
    /// CPI2's baseline over the registry's CPU-contention columns: the time the vCPUs were
    /// preempted or waiting, and the shares others (VMs; host processes and kernel threads) took.
    static let cpuContention = SigmaBaseline(columns: [
        FeatureColumn.schedPreemptedShare, .schedWaitingShare, .schedStolenByVMShare, .schedStolenByHostShare,
    ].map(\.name))
}
