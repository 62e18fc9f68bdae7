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

/// Nanoseconds per state, indexed by `VCPUState.rawValue`: five integers held inline (no array to
/// allocate or check for uniqueness: the host model adds to one on every kvm event, issue 18);
/// encoded as the array `ns`.
public struct StateTimes: Sendable, Codable, Equatable {
    public var guest: Int64 = 0
    public var hypervisor: Int64 = 0
    public var preempted: Int64 = 0
    public var waiting: Int64 = 0
    public var idle: Int64 = 0

    public init() {}

    /// The five values in `VCPUState` order.
    public var ns: [Int64] {
        get { [guest, hypervisor, preempted, waiting, idle] }
        set {
            guest = newValue[0]; hypervisor = newValue[1]; preempted = newValue[2]; waiting = newValue[3]; idle = newValue[4]
        }
    }

    public subscript(state: VCPUState) -> Int64 {
        @inline(__always) get {
            switch state {
            case .guest: return guest
            case .hypervisor: return hypervisor
            case .preempted: return preempted
            case .waiting: return waiting
            case .idle: return idle
            }
        }
        @inline(__always) set {
            switch state {
            case .guest: guest = newValue
            case .hypervisor: hypervisor = newValue
            case .preempted: preempted = newValue
            case .waiting: waiting = newValue
            case .idle: idle = newValue
            }
        }
    }

    public var total: Int64 { guest + hypervisor + preempted + waiting + idle }
    /// guest + hypervisor.
    public var running: Int64 { guest + hypervisor }

    public static func += (lhs: inout StateTimes, rhs: StateTimes) {
        lhs.guest += rhs.guest
        lhs.hypervisor += rhs.hypervisor
        lhs.preempted += rhs.preempted
        lhs.waiting += rhs.waiting
        lhs.idle += rhs.idle
    }

    private enum CodingKeys: String, CodingKey { case ns }

    public init(from decoder: Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self).decode([Int64].self, forKey: .ns)
        guard values.count == VCPUState.allCases.count else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "ns: \(values.count) values, not 5"))
        }
        ns = values
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ns, forKey: .ns)
    }
}
