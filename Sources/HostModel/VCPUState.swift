/// The state a vCPU thread is in at any instant (DESIGN.md); the five sum to the time observed.
///
/// Without kvm entry/exit events `guest` never occurs and all on-CPU time is `hypervisor`,
/// reported as `running` (guest + hypervisor).
public enum VCPUState: Int, CaseIterable, Sendable, Codable {
    case guest
    case hypervisor
    case preempted
    case waiting
    case idle

    public var name: String {
        switch self {
        case .guest: return "guest"
        case .hypervisor: return "hypervisor"
        case .preempted: return "preempted"
        case .waiting: return "waiting"
        case .idle: return "idle"
        }
    }
}

/// Why an idle vCPU was woken (DESIGN.md "wait cause").
public enum WakeCause: Int, CaseIterable, Sendable, Codable {
    case disk
    case net
    case timer
    case ipi
    case other

    public var name: String {
        switch self {
        case .disk: return "disk"
        case .net: return "net"
        case .timer: return "timer"
        case .ipi: return "ipi"
        case .other: return "other"
        }
    }
}

/// Who had the CPU while a vCPU was preempted or waiting for it.
public enum StealerKind: Int, CaseIterable, Sendable, Codable {
    /// Another VM.
    case vm
    /// A host process (user space).
    case host
    /// A kernel thread (kworker, ksoftirqd, ...).
    case kernel
    /// Another thread of the same VM (its own I/O threads or vCPUs).
    case same
}

/// Nanoseconds per state, indexed by `VCPUState.rawValue`.
public struct StateTimes: Sendable, Codable, Equatable {
    public var ns: [Int64] = Array(repeating: 0, count: VCPUState.allCases.count)

    public init() {}

    public subscript(state: VCPUState) -> Int64 {
        get { ns[state.rawValue] }
        set { ns[state.rawValue] = newValue }
    }

    public var total: Int64 { ns.reduce(0, +) }
    /// guest + hypervisor.
    public var running: Int64 { ns[0] + ns[1] }

    public static func += (lhs: inout StateTimes, rhs: StateTimes) {
        for i in lhs.ns.indices { lhs.ns[i] += rhs.ns[i] }
    }
}
