import Foundation
import HostModel

/// What a VM's guest does over an interval.
public enum Workload: String, Codable, Sendable, CaseIterable {
    case idle, cpu, memory, disk, net, mixed
    /// A saturating culprit's own work: big sequential reads, or a bulk sender.
    case diskHeavy = "disk-heavy"
    case netHeavy = "net-heavy"

    /// The label category (DESIGN.md).
    public var category: WorkloadCategory {
        switch self {
        case .idle: return .idle
        case .cpu: return .cpu
        case .memory: return .memory
        case .disk, .diskHeavy: return .disk
        case .net, .netHeavy: return .net
        case .mixed: return .mixed
        }
    }
}

/// One phase of a VM: [start, end) seconds from the trace start.
public struct Phase: Codable, Sendable, Equatable {
    public var start: Double
    public var end: Double
    public var workload: Workload
    /// `bursty` for the on and off phases of a bursty guest (short busy bursts between idle
    /// gaps); nil for a steady phase.
    public var pattern: String? = nil
}

/// A simulated VM: its QEMU process, vCPUs, the CPUs they may run on, its disk and link, its phases.
public struct VMPlan: Codable, Sendable, Equatable {
    public var name: String
    public var pid: Int32
    public var vcpus: Int
    public var cpus: [Int]
    public var device: Int
    public var link: Int
    public var phases: [Phase]
    /// Seconds after the trace start at which QEMU is started (fork + exec); 0: running already.
    public var startsAt: Double = 0
}

/// A host process that competes for CPUs over an interval (a CPU culprit that is not a VM).
public struct HostTaskPlan: Codable, Sendable, Equatable {
    public var name: String
    public var pid: Int32
    public var cpus: [Int]
    public var start: Double
    public var end: Double
}

/// Known interference over an interval: who suffers, of what kind, and who causes it.
public struct Episode: Codable, Sendable, Equatable {
    public var victim: String
    public var kind: InterferenceKind
    public var culprit: String
    public var start: Double
    public var end: Double
}

/// Everything that is simulated: written to `scenario.json` with the seed.
public struct Scenario: Codable, Sendable, Equatable {
    public enum HostStyle: String, Codable, Sendable { case vmx, noExits = "no-exits" }

    public var preset: String
    public var seed: UInt64
    public var duration: Double
    public var pcpus: Int
    public var style: HostStyle
    public var hostname: String
    /// Trace clock at the first event, ns.
    public var originNs: Int64
    public var vms: [VMPlan]
    public var hostTasks: [HostTaskPlan]
    public var episodes: [Episode]
    /// Disk devices (dev_t) and their bandwidth in bytes/s.
    public var devices: [DevicePlan]
    /// Network links and their bandwidth in bytes/s.
    public var links: [LinkPlan]
    /// VMCS base and guest CR3s per VM vCPU, and CR3 per host process (for Intel PT).
    public var ptIdentities: [PTIdentity] = []
    /// VMs whose guest also writes its own kernel trace (`GuestTrace`), under
    /// `guests/<vm>/kernel` beside `trace/`; nil: none (VMX hosts only).
    public var guestTraces: [String]? = nil
    /// The guests and their host also write the LTTng VM addons' clock-sync events
    /// (`GuestTrace`); nil: not.
    public var guestSync: Bool? = nil
    /// Guest clock − host clock, ns, in the guests' traces; nil: one clock.
    public var guestClockSkewNs: Int64? = nil
    /// Guest ns gained per second of host time (parts per billion; negative: lost) from the host
    /// trace's start (`originNs`), in the guests' traces; nil: the same rate.
    public var guestClockDriftPPB: Int64? = nil
    /// VMs for which the host writes the research addon's `addons_vcpu_enter_guest` before each
    /// vCPU entry (`EnterGuestAddon`), with `guest-processes.csv`; nil: none (VMX hosts only).
    public var enterGuestVMs: [String]? = nil
    /// The user stacks of the `enterGuestVMs` lie as glibc's thread stacks (`EnterGuestAddon`), and
    /// those VMs' guest traces (`guestTraces`) begin with the guest's statedump of the addon's
    /// processes (`lttng_statedump_process_state`, `lttng_statedump_vm_map`); nil: not.
    public var guestStatedump: Bool? = nil
}

/// A block device shared by the VMs that use it.
public struct DevicePlan: Codable, Sendable, Equatable {
    public var dev: Int64
    public var name: String
    public var bytesPerSecond: Double
    public var baseLatencyNs: Int64
}

/// A network link shared by the VMs that use it.
public struct LinkPlan: Codable, Sendable, Equatable {
    public var name: String
    public var bytesPerSecond: Double
}

/// What Intel PT would show of a vCPU or a host process.
public struct PTIdentity: Codable, Sendable, Equatable {
    public var vm: String?
    public var vcpu: Int?
    public var process: String?
    public var vmcs: UInt64?
    public var cr3: [UInt64]
}
