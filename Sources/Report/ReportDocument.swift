import Diagnosis
import HostModel
import Recording

/// Everything one HTML report shows, already aggregated to a bounded size: the renderer only
/// lays it out. Times are trace-clock nanoseconds; the renderer shows seconds from `originNs`.
public struct ReportDocument: Sendable {
    /// The host summary (section 1).
    public struct Summary: Sendable {
        public var trace: String
        public var hostname: String?
        public var tracer: String?
        public var spanNs: Int64
        public var events: Int
        public var discardedEvents: Int
        public var discardedPackets: Int
        public var cpus: Int
        public var featureGroups: [String]
        public var modelVariant: String?
    }

    /// A drawn stretch of a lane: who or what dominated it, and the breakdown shown on hover.
    public struct Segment: Sendable, Equatable {
        public var startNs: Int64
        public var endNs: Int64
        /// Who ran (resource view) or the state (process flow).
        public var label: String
        /// The colour class: `vm-<index>`, `host`, `kernel`, or a state name.
        public var style: String
        /// The shares behind it, e.g. "web 85 %, kworker/0:1 5 %".
        public var detail: String
    }

    /// One horizontal lane: a CPU, or a thread of a VM.
    public struct Lane: Sendable {
        public var name: String
        public var segments: [Segment]
    }

    /// One column of a VM's timeline: one window, or several merged when the trace is long.
    public struct Column: Sendable, Equatable {
        public var startNs: Int64
        public var endNs: Int64
        /// Share of the VM's vCPU time per `VCPUState` (guest, hypervisor/running, preempted, waiting, idle).
        public var states: [Double]
        /// The highest P(interfered) of the windows merged.
        public var probability: Double
        /// The kind of that window; nil where no window was scored.
        public var kind: InterferenceKind?
        public var windows: Int
    }

    /// A per-window rate of a VM (disk or network), aggregated like the columns.
    public struct Rate: Sendable {
        public var name: String
        public var unit: String
        public var values: [Double]
    }

    /// Section 3 and 4 for one VM.
    public struct VM: Sendable {
        public var name: String
        public var pid: Int32
        public var index: Int
        public var category: String?
        public var categoryShares: [(name: String, share: Double)]
        public var columns: [Column]
        public var rates: [Rate]
        public var periods: [PeriodReport]
        public var threads: [Lane]
        /// Threads of the VM not drawn (the lane limit), by count.
        public var threadsLeftOut: Int
        /// The VM's guest threads, when its own guest trace was read beside the host's
        /// (`MachineSet.guestThreads`); nil: no guest trace.
        public var guestThreads: GuestThreadReport? = nil
        /// Its guest threads' lanes in the process flow (`attachGuestThreads`); empty: none.
        public var guestLanes: [Lane] = []
    }

    public var summary: Summary
    public var originNs: Int64
    public var endNs: Int64
    /// Whether guest and hypervisor time can be told apart (kvm entry/exit in the trace).
    public var splitsGuest: Bool
    /// What the trace or the run lacks, in sentences shown at the top.
    public var missing: [String]
    public var cpus: [Lane]
    public var vms: [VM]
    public var detector: PeriodDetector?
    /// Every VM's periods, shaded across the resource view.
    public var periods: [InterferencePeriod] { vms.flatMap { $0.periods.map(\.period) } }
}
