import TraceIngest

/// One memory map of a guest process, from the guest's `lttng_statedump_vm_map` (with its name
/// from `lttng_statedump_process_state`): where a user-mode SP's stack begins and ends.
public struct GuestMemoryMap: Sendable, Equatable {
    public var pid: Int32
    public var start: UInt64
    public var end: UInt64

    public init(pid: Int32, start: UInt64, end: UInt64) {
        self.pid = pid
        self.start = start
        self.end = end
    }
}

/// What a guest's own statedump says of its processes: their memory maps and names.
public struct GuestStatedump: Sendable, Equatable {
    public var maps: [GuestMemoryMap] = []
    /// pid → process name (`lttng_statedump_process_state` of the thread whose tid is the pid).
    public var names: [Int32: String] = [:]

    public init(maps: [GuestMemoryMap] = [], names: [Int32: String] = [:]) {
        self.maps = maps
        self.names = names
    }

    public var isEmpty: Bool { maps.isEmpty }
}

/// One guest thread as the host sees it: a stack of one guest process (CR3).
public struct GuestStackTimes: Sendable, Equatable, Codable {
    /// `kernel` (the guest thread's kernel stack) or `user` (its user stack).
    public var mode: String
    /// The stack's range [start, end): a kernel stack's `GuestProcessDecoder.kernelStackBytes`
    /// block, a user stack's statedump map, or its `userStackBytes` block.
    public var start: UInt64
    public var end: UInt64
    /// Time in guest mode entered with this stack's SP (kvm entry → exit or switch-out).
    public var guestNs: Int64 = 0
    /// `vcpu_enter_guest` events with this stack's SP.
    public var entries = 0
}

/// One guest process as the host sees it: its CR3 (page-table base), time and stacks.
public struct GuestProcessTimes: Sendable, Equatable, Codable {
    public var vm: String
    /// The CR3 (bits 12 up; with PTI the kernel-half CR3), as `cr3-<hex>`.
    public var cr3: UInt64
    /// The guest process a statedump names for it (most user SPs in its maps), else `cr3-<hex>`.
    public var name: String
    public var pid: Int32?
    public var guestNs: Int64 = 0
    public var entries = 0
    /// Its threads (stacks), by mode and start.
    public var threads: [GuestStackTimes] = []
}

/// Guest processes and threads from the host trace alone (the research's `vcpu_enter_guest`
/// addon): before each VM entry the addon writes the guest's CR3, SP and IP from the VMCS.
///
/// - A **process** is a CR3 with its low 12 bits (PCID, flags) cleared. With page-table isolation
///   (PTI) a process has two CR3s, its user one 4 KiB above its kernel one: a CR3 with bit 12 set
///   seen only with user-mode SPs, whose bit-12-clear twin is seen with kernel-mode SPs, is that
///   twin's process.
/// - A **thread** is a stack of its process: a kernel-mode SP (upper half) lies on the thread's
///   kernel stack, the `kernelStackBytes`-aligned block (x86-64's THREAD_SIZE); a user-mode SP on
///   its user stack: the guest statedump's map of the process that holds it (when the guest's
///   trace with `lttng_statedump_vm_map` is there), else the `userStackBytes`-aligned block (the
///   default 8 MiB stack: a stack across such a boundary counts as two). A thread entered in both
///   modes shows as its kernel stack and its user stack.
/// - **Time**: each guest-mode interval of a vCPU thread (the host model's `guest` state) goes to
///   the process and stack of that thread's last `vcpu_enter_guest`.
///
/// Feed `enter` and `state` in time order, then `finish`.
public struct GuestProcessDecoder {
    public static let kernelStackBytes: UInt64 = 16 << 10
    public static let userStackBytes: UInt64 = 8 << 20
    private static let pageMask: UInt64 = ~UInt64(0xfff)
    private static let ptiBit: UInt64 = 0x1000

    private struct Key: Hashable { var cr3: UInt64; var page: UInt64 }
    private struct Tally { var ns: Int64 = 0; var entries = 0 }
    private var current: [Int32: Key] = [:]
    private var guestSince: [Int32: Int64] = [:]
    private var tallies: [Int32: [Key: Tally]] = [:]
    private let statedumps: [String: GuestStatedump]

    /// `statedumps`: per VM name, its guest's statedump (none: every user stack is a block).
    public init(statedumps: [String: GuestStatedump] = [:]) {
        self.statedumps = statedumps
    }

    /// Whether any `vcpu_enter_guest` was seen.
    public var isEmpty: Bool { tallies.isEmpty }

    /// `vcpu_enter_guest` on vCPU thread `thread` at `t`: the guest resumes with `cr3` and `sp`
    /// (a guest interval still open, its exit missing, ends here with the previous stack).
    public mutating func enter(thread: Int32, cr3: UInt64, sp: UInt64, at t: Int64) {
        close(thread, at: t)
        let key = Key(cr3: cr3 & Self.pageMask, page: sp & Self.pageMask)
        current[thread] = key
        tallies[thread, default: [:]][key, default: Tally()].entries += 1
    }

    /// vCPU thread `thread` entered `state` at `t` (the host model's state changes).
    public mutating func state(thread: Int32, _ state: VCPUState, at t: Int64) {
        close(thread, at: t)
        if state == .guest { guestSince[thread] = t }
    }

    private mutating func close(_ thread: Int32, at t: Int64) {
        guard let since = guestSince.removeValue(forKey: thread), let key = current[thread], t > since else { return }
        tallies[thread, default: [:]][key, default: Tally()].ns += t - since
    }

    private static func isKernel(_ address: UInt64) -> Bool { address >> 63 == 1 }

    /// Closes the open guest intervals at `t`; `vm` names each vCPU thread's VM (nil: not a vCPU
    /// of a VM, dropped). Processes by VM and CR3.
    public mutating func finish(at t: Int64, vm: (Int32) -> String?) -> [GuestProcessTimes] {
        for thread in Array(guestSince.keys) { close(thread, at: t) }
        // Per VM: (CR3, page) → tally, over its vCPU threads.
        var byVM: [String: [Key: Tally]] = [:]
        for (thread, keys) in tallies {
            guard let name = vm(thread) else { continue }
            for (k, v) in keys {
                byVM[name, default: [:]][k, default: Tally()].ns += v.ns
                byVM[name]![k]!.entries += v.entries
            }
        }
        var out: [GuestProcessTimes] = []
        for (vmName, keys) in byVM {
            let maps = statedumps[vmName]?.maps ?? [], names = statedumps[vmName]?.names ?? [:]
            // PTI: a user-only CR3 whose kernel twin is seen with kernel SPs is the twin.
            var kernelCR3 = Set<UInt64>(), userCR3 = Set<UInt64>()
            for k in keys.keys { if Self.isKernel(k.page) { kernelCR3.insert(k.cr3) } else { userCR3.insert(k.cr3) } }
            func process(_ cr3: UInt64) -> UInt64 {
                cr3 & Self.ptiBit != 0 && !kernelCR3.contains(cr3) && kernelCR3.contains(cr3 & ~Self.ptiBit) ? cr3 & ~Self.ptiBit : cr3
            }
            var pages: [UInt64: [(page: UInt64, tally: Tally)]] = [:]
            for (k, v) in keys { pages[process(k.cr3), default: []].append((k.page, v)) }
            for (cr3, list) in pages {
                // The statedump's process: the pid whose maps hold most of the user pages' entries.
                var votes: [Int32: Int] = [:]
                for p in list where !Self.isKernel(p.page) {
                    for m in maps where m.start <= p.page && p.page < m.end { votes[m.pid, default: 0] += p.tally.entries }
                }
                let pid = votes.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
                var stacks: [String: GuestStackTimes] = [:]
                for p in list {
                    let s: GuestStackTimes
                    if Self.isKernel(p.page) {
                        let start = p.page & ~(Self.kernelStackBytes - 1)
                        s = GuestStackTimes(mode: "kernel", start: start, end: start &+ Self.kernelStackBytes)
                    } else if let pid, let m = maps.first(where: { $0.pid == pid && $0.start <= p.page && p.page < $0.end }) {
                        s = GuestStackTimes(mode: "user", start: m.start, end: m.end)
                    } else {
                        let start = p.page & ~(Self.userStackBytes - 1)
                        s = GuestStackTimes(mode: "user", start: start, end: start + Self.userStackBytes)
                    }
                    let id = "\(s.mode) \(s.start)"
                    stacks[id, default: s].guestNs += p.tally.ns
                    stacks[id]!.entries += p.tally.entries
                }
                var row = GuestProcessTimes(vm: vmName, cr3: cr3, name: pid.flatMap { names[$0] } ?? Self.cr3Name(cr3), pid: pid)
                row.threads = stacks.values.sorted { ($0.mode, $0.start) < ($1.mode, $1.start) }
                row.guestNs = row.threads.reduce(0) { $0 + $1.guestNs }
                row.entries = row.threads.reduce(0) { $0 + $1.entries }
                out.append(row)
            }
        }
        return out.sorted { ($0.vm, $0.cr3) < ($1.vm, $1.cr3) }
    }

    /// `cr3-<hex>`, as Intel PT captures name a guest CR3.
    public static func cr3Name(_ cr3: UInt64) -> String { "cr3-" + String(cr3, radix: 16) }
}

/// Feeds a `GuestProcessDecoder` from the host model, event by event: call `consume` after the
/// model has consumed each event (`HostAnalysis.run`'s `onEvent`, with `recordsStateChanges`).
public final class GuestProcessSink {
    public private(set) var decoder: GuestProcessDecoder
    private var lastTime: Int64 = .min

    public init(statedumps: [String: GuestStatedump] = [:]) {
        decoder = GuestProcessDecoder(statedumps: statedumps)
    }

    public func consume(_ e: Event, model: HostModel) {
        lastTime = max(lastTime, e.time)
        // The model publishes VM threads' changes only; threads never entered are ignored by the decoder.
        model.drainStateChanges { decoder.state(thread: $0.tid, $0.state, at: $0.timeNs) }
        guard e.kind == .vcpuEnterGuest else { return }
        // The vCPU thread: the event's context, else the thread current on its CPU.
        var thread = e.tid
        if thread < 0, e.cpu >= 0, Int(e.cpu) < model.cpus.count { thread = model.cpus[Int(e.cpu)].current }
        guard thread >= 0 else { return }
        decoder.enter(thread: thread, cr3: e.guestCR3, sp: e.guestSP, at: e.time)
    }

    /// The processes, per VM, with the model's VM names (vCPU threads of no VM are dropped).
    public func finish(model: HostModel) -> [GuestProcessTimes] {
        let registry = model.registry
        return decoder.finish(at: max(lastTime, model.lastTime)) { tid in
            guard let info = registry.info(tid), info.vm >= 0 else { return nil }
            return registry.vms[info.vm].name
        }
    }
}
