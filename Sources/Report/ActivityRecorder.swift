import HostModel
import TraceIngest

/// Who ran on each CPU and what each VM thread was doing, over time, in bounded bins.
///
/// Fed every event of the same pass that makes the features (`onEvent`), after the host model,
/// it keeps per CPU the time each thread held it per bin (from `sched_switch`), and per VM thread
/// (vCPUs, I/O threads, vhost) the time in each `VCPUState` per bin (for threads that are not
/// vCPUs `hypervisor` means running). The states are the host model's: it bins the model's
/// `stateChanges` (the model must run with `recordsStateChanges`), never deriving them again. A
/// thread is followed from its first state change.
public final class ActivityRecorder {
    public private(set) var bins: TimeBins?
    /// Per CPU, per bin: tid → ns on the CPU (tid 0 is the idle task).
    public private(set) var cpuBins: [Int32: [[Int32: Int64]]] = [:]
    /// Per VM thread, per bin: ns per state, `VCPUState.allCases.count` values per bin.
    public private(set) var threadBins: [Int32: [Int64]] = [:]
    public let capacity: Int

    private struct CPUNow { var tid: Int32 = -1; var since: Int64 }
    private struct ThreadNow { var state: VCPUState; var since: Int64 }
    private var cpuNow: [Int32: CPUNow] = [:]
    private var threadNow: [Int32: ThreadNow] = [:]
    private static let stateCount = VCPUState.allCases.count

    public init(capacity: Int = 1000) { self.capacity = capacity }

    public func consume(_ e: Event, model: HostModel) {
        if bins == nil { bins = TimeBins(originNs: e.time, capacity: capacity) }
        let n = bins!.doublingsNeeded(for: e.time)
        if n > 0 { for _ in 0..<n { coarsen() } }
        if cpuNow[e.cpu] == nil, e.cpu >= 0 { cpuNow[e.cpu] = CPUNow(since: e.time) }
        if e.kind == .schedSwitch {
            let now = cpuNow[e.cpu]!
            occupy(cpu: e.cpu, tid: now.tid >= 0 ? now.tid : e.prevTid, from: now.since, to: e.time)
            cpuNow[e.cpu] = CPUNow(tid: e.nextTid, since: e.time)
        }
        model.drainStateChanges { set($0.tid, $0.state, at: $0.timeNs) }
    }

    /// Closes every open interval at `endNs` (the trace's last timestamp).
    public func finish(endNs: Int64) {
        guard bins != nil else { return }
        let n = bins!.doublingsNeeded(for: endNs)
        if n > 0 { for _ in 0..<n { coarsen() } }
        for (cpu, now) in cpuNow where now.tid >= 0 { occupy(cpu: cpu, tid: now.tid, from: now.since, to: endNs) }
        for (tid, now) in threadNow { add(tid, now.state, from: now.since, to: endNs) }
        cpuNow = [:]
        threadNow = [:]
    }

    private func occupy(cpu: Int32, tid: Int32, from: Int64, to: Int64) {
        guard let bins, to > from else { return }
        var lane = cpuBins[cpu] ?? []
        cpuBins[cpu] = nil
        bins.spread(from, to) { i, ns in
            while lane.count <= i { lane.append([:]) }
            lane[i][tid, default: 0] += ns
        }
        cpuBins[cpu] = lane
    }

    private func set(_ tid: Int32, _ state: VCPUState, at time: Int64) {
        if let now = threadNow[tid] { add(tid, now.state, from: now.since, to: time) }
        threadNow[tid] = ThreadNow(state: state, since: time)
    }

    private func add(_ tid: Int32, _ state: VCPUState, from: Int64, to: Int64) {
        guard let bins, to > from else { return }
        var lane = threadBins[tid] ?? []
        threadBins[tid] = nil
        let k = Self.stateCount
        bins.spread(from, to) { i, ns in
            if lane.count < (i + 1) * k { lane.append(contentsOf: repeatElement(0, count: (i + 1) * k - lane.count)) }
            lane[i * k + state.rawValue] += ns
        }
        threadBins[tid] = lane
    }

    private func coarsen() {
        bins!.double()
        for (cpu, lane) in cpuBins { cpuBins[cpu] = mergePairs(lane) { $0.merging($1, uniquingKeysWith: +) } }
        let k = Self.stateCount
        for (tid, lane) in threadBins {
            let count = lane.count / k
            var merged = [Int64](repeating: 0, count: ((count + 1) / 2) * k)
            for i in 0..<count { for s in 0..<k { merged[(i / 2) * k + s] += lane[i * k + s] } }
            threadBins[tid] = merged
        }
    }
}
