import Foundation
import TraceIngest

/// One pass of a trace through the host model: the reader's inventory, the model's VMs and
/// whole-trace totals, ready for `interfere events` and `interfere stats`.
public struct HostAnalysis {
    public var inventory: TraceInventory
    public var model: HostModel

    /// Reads the traces of `location` (which a `Recording` decides) through a `TraceReader` into
    /// a `HostModel`; `onWindow` sees each VM window; `onEvent` sees each event after the model
    /// has (with the model, whose registry then knows the thread), for views that need more than
    /// windows.
    public static func run(location: TraceLocation, configuration: HostModelConfiguration = .init(),
                           onWindow: ((VMWindow) -> Void)? = nil,
                           onHostWindow: ((HostWindow) -> Void)? = nil,
                           onEvent: ((Event, HostModel) -> Void)? = nil) throws -> HostAnalysis {
        let reader = TraceReader(location: location, threads: configuration.reading.threads)
        let model = HostModel(strings: reader.strings, configuration: configuration)
        model.onWindow = onWindow
        model.onHostWindow = onHostWindow
        let readerOnly = configuration.reading.decodeOnly
        let inventory: TraceInventory
        if let onEvent {
            inventory = try reader.read { model.consume($0); onEvent($0, model) }
        } else {
            inventory = try reader.read { if !readerOnly { model.consume($0) } }
        }
        model.finish()
        return HostAnalysis(inventory: inventory, model: model)
    }

    /// Per network device: bytes and packets by sender, and what no owner could be found for.
    public var links: [LinkStatistics] {
        let devices = Set(model.linkTotals.keys).union(model.unattributedLinkTotals.keys).sorted()
        return devices.map { device in
            let senders = (model.linkTotals[device] ?? [:])
                .map { LinkSender(name: $0.key, packets: $0.value.txPackets, bytes: $0.value.txBytes) }
                .sorted { $0.bytes != $1.bytes ? $0.bytes > $1.bytes : $0.name < $1.name }
            return LinkStatistics(device: device, senders: senders,
                                  unattributed: model.unattributedLinkTotals[device] ?? LinkTraffic())
        }
    }

    /// Whether this machine is a host: a VM (a QEMU process or a process issuing kvm events) or
    /// kvm events were found on it. VMs are looked for only on hosts.
    public var isHost: Bool { !model.registry.vms.isEmpty || hasKVMEvents }

    /// Whether the trace has kvm entry/exit events (guest and hypervisor time can be split).
    public var hasKVMEvents: Bool { model.seenKinds.contains(.kvmEntry) || model.seenKinds.contains(.kvmExit) }

    /// The VMs found, with their threads.
    public var vms: [VMDescription] {
        let registry = model.registry
        return registry.vms.enumerated().map { index, vm in
            let ioThreads = registry.threads.values
                .filter { $0.vm == index && $0.vcpu < 0 && !vm.vhostTids.contains($0.tid) }
                .map { ThreadDescription(tid: $0.tid, name: model.strings[$0.comm]) }
                .sorted { $0.tid < $1.tid }
            return VMDescription(
                name: vm.name, pid: vm.pid,
                vcpus: vm.vcpus.map { VCPUDescription(tid: $0.tid, vcpu: $0.vcpu, name: model.strings[registry.info($0.tid)?.comm ?? -1]) },
                vhostThreads: vm.vhostTids.sorted().map { ThreadDescription(tid: $0, name: model.strings[registry.info($0)?.comm ?? -1]) },
                ioThreads: ioThreads)
        }
    }

    /// `interfere events`: the inventory and the VMs.
    public var summary: TraceSummary {
        TraceSummary(inventory: inventory, vms: vms)
    }

    /// `interfere stats`: per VM, exit reasons and per-vCPU state times; `vm` keeps one VM.
    public func statistics(vm only: String? = nil) -> TraceStatistics {
        let registry = model.registry
        var result: [VMStatistics] = []
        for (index, vm) in registry.vms.enumerated() where only == nil || vm.name == only || "\(vm.pid)" == only {
            let exits = model.exitTotals[index] ?? [:]
            let totalExits = exits.values.reduce(0) { $0 + $1.count }
            let totalHandling = exits.values.reduce(0.0) { $0 + $1.handling.sum }
            let rows = exits.map { reason, stats -> ExitRow in
                let h = stats.handling
                return ExitRow(
                    reason: reason.name, samples: stats.count,
                    samplesPercent: totalExits > 0 ? 100 * Double(stats.count) / Double(totalExits) : 0,
                    timePercent: totalHandling > 0 ? 100 * h.sum / totalHandling : 0,
                    minUs: h.count > 0 ? Double(h.min) / 1000 : nil, meanUs: h.count > 0 ? h.mean / 1000 : nil,
                    maxUs: h.count > 0 ? Double(h.max) / 1000 : nil,
                    p50Us: h.count > 0 ? h.quantile(0.5) / 1000 : nil, p99Us: h.count > 0 ? h.quantile(0.99) / 1000 : nil)
            }.sorted { $0.samples != $1.samples ? $0.samples > $1.samples : $0.reason < $1.reason }
            let vcpus = vm.vcpus.map { v -> VCPUStates in
                let times = model.vcpuTotal(of: v.tid) ?? StateTimes()
                return VCPUStates(tid: v.tid, vcpu: v.vcpu, times: times, splitsGuest: hasKVMEvents)
            }
            let stolen = (model.stolenTotals[index] ?? [:]).sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { StolenBy(name: $0.key, ns: $0.value) }
            result.append(VMStatistics(name: vm.name, pid: vm.pid, exits: rows, totalExits: totalExits,
                                       vcpus: vcpus, stolenBy: stolen.filter { $0.name != vm.name },
                                       selfContentionNs: model.selfContentionTotals[index] ?? 0))
        }
        return TraceStatistics(inventory: inventory, hasKVMEvents: hasKVMEvents, vms: result, links: links)
    }
}

/// A VM as `interfere events` lists it.
public struct VMDescription: Codable, Sendable, Equatable {
    public var name: String
    public var pid: Int32
    public var vcpus: [VCPUDescription]
    public var vhostThreads: [ThreadDescription]
    public var ioThreads: [ThreadDescription]
}

/// A vCPU thread: its tid, vCPU number and thread name.
public struct VCPUDescription: Codable, Sendable, Equatable {
    public var tid: Int32
    public var vcpu: Int32
    public var name: String
}

/// A thread by tid and name.
public struct ThreadDescription: Codable, Sendable, Equatable {
    public var tid: Int32
    public var name: String
}

/// What `interfere events` prints: the inventory and the VMs found.
public struct TraceSummary: Codable, Sendable {
    public var inventory: TraceInventory
    public var vms: [VMDescription]
}

/// What `interfere stats` prints.
public struct TraceStatistics: Codable, Sendable {
    public var inventory: TraceInventory
    public var hasKVMEvents: Bool
    public var vms: [VMStatistics]
    /// Who sent on each network device, and the traffic tied to no owner.
    public var links: [LinkStatistics]
}

/// One network device over the trace: senders by bytes (counted where they queued), and the
/// packets sent or received that no owner could be found for (never credited to anyone).
public struct LinkStatistics: Codable, Sendable {
    public var device: String
    public var senders: [LinkSender]
    public var unattributed: LinkTraffic
}

/// A sender on a link: a VM name or host process.
public struct LinkSender: Codable, Sendable {
    public var name: String
    public var packets: Int
    public var bytes: Int64
}

/// Per VM: the `perf kvm stat`-style exit table and the time in each state per vCPU.
public struct VMStatistics: Codable, Sendable {
    public var name: String
    public var pid: Int32
    public var exits: [ExitRow]
    public var totalExits: Int
    public var vcpus: [VCPUStates]
    /// Time the VM's vCPUs were preempted or waiting, by who else held their CPU.
    public var stolenBy: [StolenBy]
    /// Time the VM's vCPUs were preempted or waiting while its own threads held their CPU
    /// (self-contention: not interference by another tenant).
    public var selfContentionNs: Int64
}

/// Who held a waiting vCPU's CPU, and for how long.
public struct StolenBy: Codable, Sendable {
    public var name: String
    public var ns: Int64
}

/// One exit reason: samples, shares, and exit → next-entry handling time (µs).
public struct ExitRow: Codable, Sendable {
    public var reason: String
    public var samples: Int
    public var samplesPercent: Double
    public var timePercent: Double
    public var minUs: Double?
    public var meanUs: Double?
    public var maxUs: Double?
    public var p50Us: Double?
    public var p99Us: Double?
}

/// One vCPU's time per state over the trace.
public struct VCPUStates: Codable, Sendable {
    public var tid: Int32
    public var vcpu: Int32
    /// ns per state: guest, hypervisor (absent without kvm events), running, preempted, waiting, idle.
    public var ns: [String: Int64]
    /// Share of the observed time per state, same keys.
    public var share: [String: Double]
    public var observedNs: Int64

    init(tid: Int32, vcpu: Int32, times: StateTimes, splitsGuest: Bool) {
        self.tid = tid
        self.vcpu = vcpu
        var ns: [String: Int64] = [
            "running": times.running, "preempted": times[.preempted], "waiting": times[.waiting], "idle": times[.idle],
        ]
        if splitsGuest {
            ns["guest"] = times[.guest]
            ns["hypervisor"] = times[.hypervisor]
        }
        self.ns = ns
        self.observedNs = times.total
        let total = Double(max(1, times.total))
        self.share = ns.mapValues { Double($0) / total }
    }
}
