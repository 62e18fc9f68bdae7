/// Everything the host model measured of one VM during one time window: the raw sums that the
/// Features stage turns into named rates and shares.
public struct VMWindow: Sendable {
    public var vm: Int
    /// Window index: the window is [index·w, (index+1)·w) ns on the trace clock.
    public var index: Int64
    public var startNs: Int64
    public var endNs: Int64
    /// The part of the window the trace covers (the first and last windows are partial).
    public var observedStartNs: Int64
    public var observedEndNs: Int64

    // sched
    /// State time summed over the VM's vCPU threads.
    public var states = StateTimes()
    /// vCPU threads that were on a CPU at some point of the window.
    public var activeVCPUs: Set<Int32> = []
    /// vCPU threads known during the window.
    public var knownVCPUs = 0
    public var preemptions = 0
    public var wakeups = 0
    public var migrations = 0
    /// Wakeup → switch-in latencies of vCPU threads, ns, for waits that ended in the window.
    public var waitLatencies: [Int64] = []
    /// Durations of preempted intervals that ended in the window, ns.
    public var preemptedDurations: [Int64] = []
    /// Time the VM's vCPUs spent preempted or waiting, by who held the CPU.
    public var stolenByKind = [Int64](repeating: 0, count: StealerKind.allCases.count)
    /// Same, by the holder's name (a VM name, a host process comm, a kernel thread comm).
    public var stolenByName: [String: Int64] = [:]
    public var wakeCauses = [Int](repeating: 0, count: WakeCause.allCases.count)

    // kvm
    public var exitsByReason: [ExitReason: Int] = [:]
    public var exitHandling = DurationHistogram()
    public var entries = 0

    // block (requests issued by the VM's threads)
    public var diskReads = 0
    public var diskWrites = 0
    public var diskReadBytes: Int64 = 0
    public var diskWriteBytes: Int64 = 0
    /// Issue → complete latency of the VM's requests that completed in the window, ns.
    public var diskLatencies: [Int64] = []
    /// How long each of the VM's requests still in flight at the window's end (issued within
    /// `HostModel.inFlightHorizonNs`) had waited so far, ns: a request held behind a neighbour's
    /// for longer than a window completes in a later one, and the windows it spans still wait.
    public var diskInFlightAges: [Int64] = []
    /// The waits the latency columns read: completed requests' latencies, then in-flight ages.
    public var diskWaits: [Int64] { diskInFlightAges.isEmpty ? diskLatencies : diskLatencies + diskInFlightAges }
    public var diskIssueTimes: [Int64] = []
    public var diskCompleteTimes: [Int64] = []

    // qemu thread pool
    public var qemuSubmits = 0
    public var qemuCompletes = 0
    public var qemuLatencies: [Int64] = []

    // net
    public var netTxPackets = 0
    public var netRxPackets = 0
    public var netTxBytes: Int64 = 0
    public var netRxBytes: Int64 = 0
    /// Time the VM's vhost threads spent waiting for a CPU (runnable, not running), ns.
    public var vhostWaitingNs: Int64 = 0
    /// Time the VM's vhost threads existed in the window (for the share), ns.
    public var vhostObservedNs: Int64 = 0
    /// Queue → transmit delays of the VM's packets (net_dev_queue matched to net_dev_xmit), ns.
    public var xmitDelays: [Int64] = []

    // sharing (over the model's `sharingMemory` windows, ending with this one)
    /// Bytes on the block devices the VM used: its own and everyone's.
    public var sharedDisk = SharedUse()
    /// Bytes on the network links the VM used: its own and everyone's.
    public var sharedLink = SharedUse()
    /// Queue → transmit delays of the VM's packets sent in these windows, and how long those still
    /// queued at the window's end have waited so far: a victim whose packets wait behind a
    /// neighbour's may get nothing through for a few windows, and the wait is still its own.
    public var recentXmitWait = DelaySum()
    /// The shares of their best rates over the last minute the VM's disk requests and network
    /// bytes got over the last second (`BestRecentRate`).
    public var throughputOfBest = ThroughputOfBest()

    /// Root-cause keys counted in the window.
    public var keys: [EventKey: Int] = [:]

    public init(vm: Int, index: Int64, windowNs: Int64) {
        self.vm = vm
        self.index = index
        self.startNs = index * windowNs
        self.endNs = (index + 1) * windowNs
        self.observedStartNs = startNs
        self.observedEndNs = endNs
    }

    /// Observed seconds (the denominator of every rate).
    public var seconds: Double { Double(max(0, observedEndNs - observedStartNs)) / 1e9 }

    public var totalExits: Int { exitsByReason.values.reduce(0, +) }
}
