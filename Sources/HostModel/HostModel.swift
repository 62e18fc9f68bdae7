import TraceIngest

/// Settings of a host model run.
public struct HostModelConfiguration: Sendable {
    /// Window length, ns (windows are [i·w, (i+1)·w) on the trace clock).
    public var windowNs: Int64
    /// VM names by QEMU pid (a `vm-names.csv`); others are `<comm>-<pid>`.
    public var vmNames: [Int32: String]
    /// Threads known before the trace (a `threads.csv` side file: tid, pid, comm).
    public var knownThreads: [(tid: Int32, pid: Int32, comm: String)]
    /// How the trace is read (threads; decode only).
    public var reading: ReadingOptions
    /// Keep each VM thread state change in `HostModel.stateChanges` for the caller to drain
    /// (the report's timelines); off, the model keeps none.
    public var recordsStateChanges: Bool
    /// Put before every VM name (`hostA/` when a folder holds several hosts); empty: none.
    public var vmNamePrefix = ""
    /// The windows a VM window's `sharedDisk`, `sharedLink` and `recentXmitWait` sum over (this one
    /// and those before).
    public var sharingMemory: Int
    /// The windows a device or link stays a VM's after it last moved bytes on it.
    public var sharingAssociation: Int

    public init(windowNs: Int64 = 100_000_000, vmNames: [Int32: String] = [:],
                knownThreads: [(tid: Int32, pid: Int32, comm: String)] = [], reading: ReadingOptions = .init(),
                recordsStateChanges: Bool = false, sharingMemory: Int = 5, sharingAssociation: Int = 50) {
        self.windowNs = windowNs
        self.vmNames = vmNames
        self.knownThreads = knownThreads
        self.reading = reading
        self.recordsStateChanges = recordsStateChanges
        self.sharingMemory = sharingMemory
        self.sharingAssociation = sharingAssociation
    }
}

/// The host as the trace shows it, updated one event at a time: threads, processes and VMs, each
/// vCPU's state, who held the CPU while a vCPU waited, wake causes, disk and network per VM.
///
/// Feed events in time order with `consume`; each time a window closes, `onWindow` receives one
/// `VMWindow` per VM (and `onHostWindow` one `HostWindow`). Call `finish()` after the last event.
/// With `recordsStateChanges`, each change of a VM thread's state that an event shows (not the
/// state assumed for a thread before its first event) is also kept in `stateChanges` until the
/// caller drains it: the one place where thread states are decided. Memory grows with threads,
/// VMs and in-flight requests, not with events.
public final class HostModel {
    public let strings: StringTable
    public let configuration: HostModelConfiguration
    public private(set) var registry: ThreadRegistry
    public var onWindow: ((VMWindow) -> Void)?
    public var onHostWindow: ((HostWindow) -> Void)?

    /// Event kinds seen (which feature groups the trace supports).
    public var seenKinds: Set<EventKind> { Set(EventKind.allCases.filter { seenKindBits & (1 << UInt64($0.rawValue)) != 0 }) }
    /// `seenKinds` as one bit per kind (kinds number under 64), set per event without hashing.
    private var seenKindBits: UInt64 = 0
    public private(set) var firstTime: Int64?
    public private(set) var lastTime: Int64 = 0

    /// Whole-trace state time per vCPU thread.
    public var vcpuTotals: IntTable<Int32, StateTimes> {
        var table = IntTable<Int32, StateTimes>()
        for (tid, row) in vcpuTotalRow { table[tid] = vcpuTotalRows[Int(row)] }
        return table
    }
    /// The whole-trace state time of one vCPU thread (nil: never seen as one).
    public func vcpuTotal(of tid: Int32) -> StateTimes? { vcpuTotalRow[tid].map { vcpuTotalRows[Int($0)] } }
    /// `vcpuTotals` as rows, each thread's row found once (`TrackedThread.totalsRow`).
    private var vcpuTotalRows: [StateTimes] = []
    private var vcpuTotalRow = IntTable<Int32, Int32>()
    /// Whole-trace exit counts and exit → entry handling times per VM and reason.
    public var exitTotals: [Int: [ExitReason: ExitStatistics]] {
        var result: [Int: [ExitReason: ExitStatistics]] = [:]
        for (vm, row) in exitTotalsByIndex.enumerated() {
            var byReason: [ExitReason: ExitStatistics] = [:]
            for (r, statistics) in row.enumerated() { if let statistics { byReason[exits.reasons[r]] = statistics } }
            if !byReason.isEmpty { result[vm] = byReason }
        }
        return result
    }
    /// `exitTotals` by VM and dense exit reason index (`exits`).
    private var exitTotalsByIndex: [[ExitStatistics?]] = []
    /// The exit reasons seen, each given a dense index, and the current window's exit counts per
    /// VM by that index (added to the VM windows' `exitsByReason` and `keys` when they close).
    private var exits = ExitCounts()
    /// Whole-trace time stolen from each VM's vCPUs, by who held the CPU (other than the VM itself).
    public private(set) var stolenTotals: [Int: [String: Int64]] = [:]
    /// Whole-trace time each VM's vCPUs waited while the VM's own threads held their CPU.
    public private(set) var selfContentionTotals: [Int: Int64] = [:]
    /// The VM thread state changes since the last `drainStateChanges` (with `recordsStateChanges`).
    public var stateChanges: ArraySlice<ThreadStateChange> { changeBuffer[0..<changeCount] }
    /// Kept changes: the first `changeCount` (the buffer is reused, never shrunk).
    private var changeBuffer: [ThreadStateChange] = []
    private var changeCount = 0
    private let recordsStateChanges: Bool
    /// The LTTng VM addons' clock-sync events read, in time order (a host's with the VM of the
    /// thread they ran on).
    public private(set) var syncEvents: [SyncEvent] = []

    let windowNs: Int64
    var cpus: [CPUState] = []
    private var tracked = IntTable<Int32, TrackedThread>()
    private var bornAt = IntTable<Int32, Int64>()
    private var window: Int64 = .min
    var vmWindows: [VMWindow] = []
    /// Per VM, its use of devices and links over the last `sharingMemory` windows.
    var sharing: [(disk: TrailingSharedUse, link: TrailingSharedUse, xmit: TrailingSum<DelaySum>)] = []
    /// Per VM, its best recent disk and network throughputs (`VMWindow.throughputOfBest`).
    var baselines: [ThroughputBaselines] = []
    /// `ThroughputOfBest`'s spans: a rate is summed over the last second, and a VM's best such
    /// rate is remembered for a minute.
    static let bestRateSmoothingNs: Int64 = 1_000_000_000
    static let bestRateMemoryNs: Int64 = 60_000_000_000
    var hostWindow: HostWindow
    private var pendingBlock: [BlockRequestKey: PendingRequest] = [:]
    /// A block request still in flight, or a packet still queued for its transmit, counts as
    /// waiting this long at most: an older one's completion (`net_dev_xmit`) was lost, most likely.
    /// The one horizon of `VMWindow.diskWaits` and `VMWindow.recentXmitWait`.
    static let inFlightHorizonNs: Int64 = 1_000_000_000
    private var pendingQemu: [Int64: PendingRequest] = [:]
    /// Who owns each packet, socket and flow (HostModel+Network.swift).
    var network = NetworkAttribution()
    /// The last interrupt injected into each VM: its likely cause and when.
    private var injections: [Int: (WakeCause, Int64)] = [:]

    public init(strings: StringTable, configuration: HostModelConfiguration = .init()) {
        self.strings = strings
        self.configuration = configuration
        self.windowNs = max(1, configuration.windowNs)
        self.registry = ThreadRegistry(strings: strings, vmNames: configuration.vmNames, namePrefix: configuration.vmNamePrefix)
        self.hostWindow = HostWindow(index: 0, windowNs: max(1, configuration.windowNs))
        self.recordsStateChanges = configuration.recordsStateChanges
        for thread in configuration.knownThreads {
            registry.note(tid: thread.tid, pid: thread.pid)
            registry.note(tid: thread.tid, comm: strings.intern(thread.comm))
        }
    }

    // MARK: - Events

    public func consume(_ e: Event) {
        if firstTime == nil { firstTime = e.time; startWindow(Self.floorDiv(e.time, windowNs), at: e.time) }
        if e.time >= (window + 1) * windowNs { advance(to: e.time) }
        lastTime = max(lastTime, e.time)
        seenKindBits |= 1 << UInt64(e.kind.rawValue)
        // An event with no CPU (cpu -1) or one out of range is on the unknown CPU: its own bucket.
        let cpu = e.cpu >= 0 && Int(e.cpu) < EventCPU.limit ? Int(e.cpu) : Self.unknownCPU
        if cpu >= cpus.count { cpus.append(contentsOf: (cpus.count...cpu).map { _ in CPUState() }) }
        if e.tid >= 0 {
            if e.pid > 0, cpus[cpu].lastTid != e.tid || cpus[cpu].lastPid != e.pid {
                registry.note(tid: e.tid, pid: e.pid)
                cpus[cpu].lastTid = e.tid
                cpus[cpu].lastPid = e.pid
            }
        }
        // On the unknown CPU the bucket's last switched-in thread means little: the event's own
        // thread (perf's `perf_tid`) comes first there.
        let current = e.kind.isBlock || cpu == Self.unknownCPU ? (e.tid >= 0 ? e.tid : cpus[cpu].current)
                                                              : (cpus[cpu].current >= 0 ? cpus[cpu].current : e.tid)

        switch e.kind {
        case .schedSwitch: schedSwitch(e, cpu: cpu)
        case .schedWakeup, .schedWaking, .schedWakeupNew: wakeup(e, cpu: cpu, waker: current)
        case .schedMigrateTask: migrate(e)
        case .schedProcessFork:
            bornAt[e.childTid] = e.time
            if e.childPid > 0 { registry.note(tid: e.childTid, pid: e.childPid) }
            if e.parentPid > 0 { registry.note(tid: e.parentTid, pid: e.parentPid) }
            registry.note(tid: e.childTid, comm: e.childComm)
        case .schedProcessExec:
            let name = strings[e.s1].split(separator: "/").last.map(String.init) ?? ""
            if !name.isEmpty { registry.note(tid: e.targetTid, comm: strings.intern(String(name.prefix(15)))) }
        case .schedProcessExit: exit(e.targetTid, at: e.time)
        case .statedumpProcessState:
            registry.note(tid: e.targetTid, pid: e.statedumpPid)
            registry.note(tid: e.targetTid, comm: e.s1)
        case .kvmEntry, .kvmExit: kvm(e, cpu: cpu, thread: current)
        case .kvmApicIpi, .kvmSetIrq, .kvmMsiSetIrq, .kvmInjVirq: injection(e, thread: current)
        case .blockRqIssue: blockIssue(e, thread: current)
        case .blockRqComplete: blockComplete(e, cpu: cpu)
        case .qemuThreadPoolSubmit, .qemuThreadPoolComplete: qemu(e)
        case .netDevQueue: netQueue(e, cpu: cpu, thread: current)
        case .netDevXmit: netXmit(e, cpu: cpu, thread: current)
        case .netIfReceiveSkb: netReceive(e, cpu: cpu, thread: current)
        case .sockSendLength: socketSend(e, cpu: cpu, thread: current)
        case .tcpProbe: tcpProbe(e, cpu: cpu, thread: current)
        case .irqHandlerEntry:
            cpus[cpu].lastIrqTime = e.time
            countOnVCPU(cpu: cpu, EventKey(.irq, strings[e.s1].isEmpty ? "\(e.irq)" : strings[e.s1]))
        case .softirqEntry:
            cpus[cpu].softirq = e.vector
            cpus[cpu].softirqTime = e.time
            cpus[cpu].softirqOpen = true
            cpus[cpu].probeSocket = 0
            countOnVCPU(cpu: cpu, EventKey(.softirq, EventKey.softirqName(e.vector)))
        case .vmsyncGHGuest, .vmsyncGHHost, .vmsyncHGGuest, .vmsyncHGHost:
            let vm = registry.info(current).flatMap { $0.vm >= 0 ? registry.vms[$0.vm].pid : nil }
            syncEvents.append(SyncEvent(kind: e.kind, count: e.a, vmUID: e.b, timeNs: e.time, tid: current, vmPID: vm))
        case .softirqExit:
            cpus[cpu].softirqOpen = false
            cpus[cpu].sawSoftirqExit = true
            cpus[cpu].probeSocket = 0
        default: break
        }
    }

    /// Hands each kept state change to `body`, oldest first, and forgets them.
    public func drainStateChanges(_ body: (ThreadStateChange) -> Void) {
        guard changeCount > 0 else { return }
        for i in 0..<changeCount { body(changeBuffer[i]) }
        changeCount = 0
    }

    @inline(__always) private func changed(_ tid: Int32, to state: VCPUState, cpu: Int, at t: Int64) {
        guard recordsStateChanges else { return }
        let change = ThreadStateChange(tid: tid, cpu: Int32(cpu), state: state, timeNs: t)
        if changeCount < changeBuffer.count { changeBuffer[changeCount] = change } else { changeBuffer.append(change) }
        changeCount += 1
    }

    /// Closes the last window at the last event's time.
    public func finish() {
        guard firstTime != nil else { return }
        closeWindow(at: lastTime, partial: true)
        registry.refreshNames()
    }

    // MARK: - Scheduling

    private func schedSwitch(_ e: Event, cpu: Int) {
        let prev = e.prevTid, next = e.nextTid, t = e.time
        registry.note(tid: prev, comm: e.prevComm)
        registry.note(tid: next, comm: e.nextComm)
        attributeSteal(cpu: cpu, until: t, runner: prev)
        if var thread = track(prev, at: t, firstSeenRunning: true) {
            account(prev, &thread, until: t)
            // A waiter seen running (its switch-in was lost) leaves the queue it was in.
            if thread.state == .preempted || thread.state == .waiting { leaveQueue(prev, of: thread.queueCPU, at: t) }
            if e.prevWasRunnable {
                thread.state = .preempted
                thread.waitStart = t
                thread.queueCPU = cpu
                cpus[cpu].waiters.append(prev)
                if let vm = thread.vcpuVM {
                    vmWindows[vm].preemptions += 1
                    // Preempted by one of its own threads: self-contention, not a neighbour.
                    let by = registry.info(next)?.vm == vm ? EventKey.ownThreads : registry.culpritName(of: next)
                    vmWindows[vm].keys[EventKey(.preemptedBy, by), default: 0] += 1
                }
            } else {
                thread.state = .idle
            }
            changed(prev, to: thread.state, cpu: cpu, at: t)
            thread.stateIsAssumed = false
            thread.since = t
            thread.stealSince = t
            tracked[prev] = thread
        }
        if var thread = track(next, at: t, firstSeenRunning: false) {
            account(next, &thread, until: t)
            if let vm = thread.vcpuVM, !thread.stateIsAssumed {
                if thread.state == .waiting { vmWindows[vm].waitLatencies.append(t - thread.waitStart) }
                if thread.state == .preempted { vmWindows[vm].preemptedDurations.append(t - thread.waitStart) }
            }
            if thread.state == .preempted || thread.state == .waiting { removeWaiter(next, from: thread.queueCPU) }
            thread.state = .hypervisor
            changed(next, to: .hypervisor, cpu: cpu, at: t)
            thread.stateIsAssumed = false
            thread.since = t
            thread.lastCPU = cpu
            if let vm = thread.vcpuVM { markActive(next, &thread, vm: vm) }
            tracked[next] = thread
        }
        cpus[cpu].current = next
        cpus[cpu].since = t
    }

    private func wakeup(_ e: Event, cpu: Int, waker: Int32) {
        let tid = e.targetTid
        registry.note(tid: tid, comm: e.comm)
        if e.kind == .schedWakeupNew { bornAt[tid] = bornAt[tid] ?? e.time }
        guard var thread = track(tid, at: e.time, firstSeenRunning: false, firstSeenIdle: true) else { return }
        guard thread.state == .idle else { return }
        account(tid, &thread, until: e.time)
        thread.state = .waiting
        thread.stateIsAssumed = false
        thread.since = e.time
        thread.waitStart = e.time
        thread.stealSince = e.time
        let target = Int(e.targetCPU)
        thread.queueCPU = target >= 0 && target < 4096 ? target : cpu
        if thread.queueCPU >= cpus.count { cpus.append(contentsOf: (cpus.count...thread.queueCPU).map { _ in CPUState() }) }
        cpus[thread.queueCPU].waiters.append(tid)
        tracked[tid] = thread
        changed(tid, to: .waiting, cpu: thread.queueCPU, at: e.time)
        if let vm = thread.vcpuVM {
            vmWindows[vm].wakeups += 1
            vmWindows[vm].wakeCauses[wakeCause(waker: waker, cpu: cpu, vm: vm, at: e.time).rawValue] += 1
        }
    }

    private func migrate(_ e: Event) {
        let tid = e.targetTid
        guard var thread = tracked[tid] else { return }
        if let vm = thread.vcpuVM { vmWindows[vm].migrations += 1 }
        let dest = Int(e.destCPU)
        guard dest >= 0, dest < 4096 else { return }
        if thread.state == .preempted || thread.state == .waiting {
            if thread.queueCPU >= 0, thread.queueCPU < cpus.count {
                attributeSteal(cpu: thread.queueCPU, until: e.time, runner: cpus[thread.queueCPU].current)
            }
            thread = tracked[tid]!
            removeWaiter(tid, from: thread.queueCPU)
            if dest >= cpus.count { cpus.append(contentsOf: (cpus.count...dest).map { _ in CPUState() }) }
            attributeSteal(cpu: dest, until: e.time, runner: cpus[dest].current)
            thread.queueCPU = dest
            thread.stealSince = e.time
            cpus[dest].waiters.append(tid)
        }
        tracked[tid] = thread
    }

    private func exit(_ tid: Int32, at t: Int64) {
        guard var thread = tracked[tid] else { return }
        account(tid, &thread, until: t)
        if thread.state == .preempted || thread.state == .waiting { removeWaiter(tid, from: thread.queueCPU) }
        tracked[tid] = nil
    }

    /// An interrupt injected into a VM (`kvm_set_irq`, `kvm_msi_set_irq`, `kvm_x86_inj_virq`) or an
    /// IPI between its vCPUs (`kvm_x86_apic_ipi`): remembered, by who injected it, as the likely
    /// cause of the next wakeup of one of its vCPUs.
    private func injection(_ e: Event, thread: Int32) {
        guard thread > 0, let info = registry.info(thread), info.vm >= 0 else { return }
        let cause: WakeCause
        switch registry.role(of: thread) {
        case .vcpu: cause = e.kind == .kvmApicIpi ? .ipi : .other
        case .vhost: cause = .net
        case .ioThread: cause = strings[info.comm].hasPrefix("worker") || strings[info.comm].hasPrefix("IO ") ? .disk : .other
        default: return
        }
        guard cause != .other else { return }
        injections[info.vm] = (cause, e.time)
    }

    /// Why an idle vCPU of `vm` was woken, from what injected an interrupt into the VM just before
    /// (within 200 µs: see `injection`), else from the waker and what `cpu` was doing (DESIGN.md):
    /// another vCPU of the VM → ipi; its vhost → net; a QEMU `worker` thread or a block completion
    /// on that CPU in the last 100 µs → disk; NET_RX/NET_TX softirq → net; BLOCK softirq → disk;
    /// TIMER/HRTIMER softirq or the idle task (an interrupt taken from idle) → timer; else other.
    private func wakeCause(waker: Int32, cpu: Int, vm: Int, at t: Int64) -> WakeCause {
        if let (cause, time) = injections[vm], t - time <= 200_000 {
            injections[vm] = nil
            return cause
        }
        switch registry.role(of: waker) {
        case .vcpu(let wvm, _) where wvm == vm: return .ipi
        case .vhost(let wvm) where wvm == vm: return .net
        case .ioThread(let wvm) where wvm == vm:
            if let info = registry.info(waker), strings[info.comm].hasPrefix("worker") { return .disk }
        default: break
        }
        let c = cpus[cpu]
        if c.inSoftirq(at: t) {
            switch c.softirq {
            case 2, 3: return .net
            case 4: return .disk
            case 1, 8: return .timer
            default: break
            }
        }
        if t - c.lastBlockCompleteTime < 100_000 { return .disk }
        if waker == 0 { return .timer }
        return .other
    }

    // MARK: - KVM

    private func kvm(_ e: Event, cpu: Int, thread tid: Int32) {
        guard tid > 0 else { return }
        var thread: TrackedThread
        // The thread's entry in `tracked` on the fast path: nothing below inserts or removes one.
        var slot = -1
        if let s = tracked.slot(of: tid), tracked[slot: s].kvmRegistryVersion == registry.version,
           e.vcpuID < 0 || e.vcpuID == tracked[slot: s].kvmVCPU {
            // Nothing the registry knows changed since this thread's last kvm event: noting it
            // again, tracking it and reading its VM would change nothing (issue 18).
            slot = s
            thread = tracked[slot: s]
            account(tid, &thread, until: e.time)
        } else {
            registry.noteKVM(tid: tid, vcpuID: e.vcpuID)
            guard let t = track(tid, at: e.time, firstSeenRunning: true) else { return }
            thread = t
            account(tid, &thread, until: e.time)
            let info = registry.info(tid)
            thread.vm = info?.vm ?? thread.vm
            thread.isVCPU = true
            // A VM the registry made since the thread was tracked (its comm named it another's).
            if thread.vm >= 0 { _ = ensureWindows(for: thread.vm) }
            if let info, info.issuedKVM, info.vm == thread.vm, thread.vm >= 0 {
                thread.kvmRegistryVersion = registry.version
                thread.kvmVCPU = info.vcpu
            } else {
                thread.kvmRegistryVersion = -1
            }
        }
        // Running guest or host code: no longer waiting for a CPU (its switch-in was lost).
        if thread.state == .preempted || thread.state == .waiting { leaveQueue(tid, of: thread.queueCPU, at: e.time) }
        guard let vm = thread.vcpuVM else { tracked[tid] = thread; return }
        defer { if slot >= 0 { tracked[slot: slot] = thread } else { tracked[tid] = thread } }
        if e.kind == .kvmEntry {
            if thread.pendingExit >= 0 {
                let handling = e.time - thread.exitStart
                vmWindows[vm].exitHandling.add(handling)
                let r = Int(thread.pendingExit)
                ensureExitTotals(vm: vm, reason: r)
                exitTotalsByIndex[vm][r]!.handling.add(handling)
                thread.pendingExit = -1
            }
            vmWindows[vm].entries += 1
            thread.state = .guest
            thread.stateIsAssumed = false
            changed(tid, to: .guest, cpu: cpu, at: e.time)
        } else {
            let reason = exits.index(of: ExitReason(rawValue: e.exitReason, isa: e.isa))
            exits.count(vm: vm, reason: reason)
            ensureExitTotals(vm: vm, reason: reason)
            exitTotalsByIndex[vm][reason]!.count += 1
            thread.pendingExit = Int32(reason)
            thread.exitStart = e.time
            thread.state = .hypervisor
            changed(tid, to: .hypervisor, cpu: cpu, at: e.time)
        }
        thread.since = e.time
        thread.lastCPU = cpu
        markActive(tid, &thread, vm: vm)
    }

    /// Makes the whole-trace exit statistics of `vm` and exit reason index `reason` exist.
    @inline(__always) private func ensureExitTotals(vm: Int, reason: Int) {
        if vm < exitTotalsByIndex.count, reason < exitTotalsByIndex[vm].count, exitTotalsByIndex[vm][reason] != nil { return }
        if exitTotalsByIndex.count <= vm { exitTotalsByIndex.append(contentsOf: repeatElement([], count: vm + 1 - exitTotalsByIndex.count)) }
        if exitTotalsByIndex[vm].count <= reason {
            exitTotalsByIndex[vm].append(contentsOf: repeatElement(nil, count: reason + 1 - exitTotalsByIndex[vm].count))
        }
        if exitTotalsByIndex[vm][reason] == nil { exitTotalsByIndex[vm][reason] = ExitStatistics() }
    }

    /// Puts a vCPU thread in its VM window's `activeVCPUs`, once per window (the thread remembers
    /// the window and VM it was last put in).
    @inline(__always) private func markActive(_ tid: Int32, _ thread: inout TrackedThread, vm: Int) {
        guard thread.activeWindow != window || thread.activeVM != vm else { return }
        vmWindows[vm].activeVCPUs.insert(tid)
        thread.activeWindow = window
        thread.activeVM = vm
    }

    // MARK: - Disk and network

    private func blockIssue(_ e: Event, thread: Int32) {
        let vm = vmOf(thread)
        let rwbs = strings[e.rwbs]
        let isWrite = rwbs.contains("W")
        let isRead = !isWrite && rwbs.contains("R")
        let bytes = Self.size(e.bytes > 0 ? e.bytes : Self.size(e.sectorCount) * 512)
        pendingBlock[BlockRequestKey(device: e.device, sector: e.sector)] =
            PendingRequest(vm: vm, time: e.time, isWrite: isWrite)
        let device = EventKey.deviceName(e.device)
        let issuer = vm >= 0 ? registry.vms[vm].name : registry.culpritName(of: thread)
        hostWindow.diskRequests[device, default: [:]][issuer, default: 0] += 1
        hostWindow.diskBytes[device, default: [:]][issuer, default: 0] += bytes
        guard vm >= 0 else { return }
        if isWrite { vmWindows[vm].diskWrites += 1; vmWindows[vm].diskWriteBytes += bytes }
        if isRead { vmWindows[vm].diskReads += 1; vmWindows[vm].diskReadBytes += bytes }
        vmWindows[vm].diskIssueTimes.append(e.time)
        vmWindows[vm].keys[EventKey(.block, "\(device) \(isWrite ? "W" : isRead ? "R" : rwbs)"), default: 0] += 1
    }

    private func blockComplete(_ e: Event, cpu: Int) {
        cpus[cpu].lastBlockCompleteTime = e.time
        guard let request = pendingBlock.removeValue(forKey: BlockRequestKey(device: e.device, sector: e.sector)),
              request.vm >= 0 else { return }
        vmWindows[request.vm].diskLatencies.append(e.time - request.time)
        vmWindows[request.vm].diskCompleteTimes.append(e.time)
    }

    private func qemu(_ e: Event) {
        var vm = e.pid > 0 ? (registry.vmIndex[e.pid] ?? -1) : vmOf(e.tid)
        if vm >= 0 { _ = ensureWindows(for: vm) }
        if e.kind == .qemuThreadPoolSubmit {
            pendingQemu[e.request] = PendingRequest(vm: vm, time: e.time, isWrite: false)
            if vm >= 0 { vmWindows[vm].qemuSubmits += 1 }
        } else {
            let request = pendingQemu.removeValue(forKey: e.request)
            let owner = request?.vm ?? vm
            guard owner >= 0 else { return }
            vm = owner
            vmWindows[owner].qemuCompletes += 1
            if let request { vmWindows[owner].qemuLatencies.append(e.time - request.time) }
        }
    }

    /// The VM a thread belongs to (-1 for the host), with its window accumulator ready.
    func vmOf(_ tid: Int32) -> Int {
        guard tid > 0, let info = registry.info(tid), info.vm >= 0 else { return -1 }
        _ = ensureWindows(for: info.vm)
        return info.vm
    }

    /// Counts an interrupt key for the VM whose vCPU is on `cpu` now.
    private func countOnVCPU(cpu: Int, _ key: EventKey) {
        let current = cpus[cpu].current
        guard current > 0, let thread = tracked[current], let vm = thread.vcpuVM else { return }
        vmWindows[vm].keys[key, default: 0] += 1
    }

    // MARK: - State accounting

    /// The tracked state of `tid`, starting to track it when it is (now known as) a VM thread.
    /// A thread first seen switching out was running; switching in, runnable; woken, idle.
    private func track(_ tid: Int32, at t: Int64, firstSeenRunning: Bool, firstSeenIdle: Bool = false) -> TrackedThread? {
        guard tid > 0 else { return nil }
        if let thread = tracked[tid] {
            if thread.vm < 0 || (!thread.isVCPU && registry.info(tid)?.vcpu ?? -1 >= 0) { return refreshTracked(tid) }
            return thread
        }
        guard let info = registry.info(tid), info.vm >= 0, info.vm < vmWindows.count || ensureWindows(for: info.vm) else { return nil }
        let windowStart = max(window * windowNs, firstTime ?? t)
        let start = min(t, max(windowStart, bornAt[tid] ?? windowStart))
        var thread = TrackedThread(vm: info.vm, isVCPU: info.vcpu >= 0)
        thread.stateIsAssumed = true
        thread.state = firstSeenIdle ? .idle : firstSeenRunning ? .hypervisor : .preempted
        thread.since = start
        thread.waitStart = start
        thread.stealSince = start
        tracked[tid] = thread
        return thread
    }

    private func refreshTracked(_ tid: Int32) -> TrackedThread? {
        guard var thread = tracked[tid], let info = registry.info(tid) else { return tracked[tid] }
        thread.vm = info.vm
        thread.isVCPU = info.vcpu >= 0
        if thread.vm >= 0 { _ = ensureWindows(for: thread.vm) }
        tracked[tid] = thread
        return thread
    }

    private func ensureWindows(for vm: Int) -> Bool {
        while vmWindows.count <= vm {
            vmWindows.append(VMWindow(vm: vmWindows.count, index: window, windowNs: windowNs))
            vmWindows[vmWindows.count - 1].observedStartNs = max(window * windowNs, firstTime ?? 0)
        }
        return true
    }

    /// Adds the time since the thread's last change to its state, in the current window.
    private func account(_ tid: Int32, _ thread: inout TrackedThread, until t: Int64) {
        let duration = t - thread.since
        guard duration > 0, thread.vm >= 0 else { return }
        if thread.isVCPU {
            vmWindows[thread.vm].states[thread.state] += duration
            if thread.totalsRow < 0 {
                if let row = vcpuTotalRow[tid] {
                    thread.totalsRow = row
                } else {
                    thread.totalsRow = Int32(vcpuTotalRows.count)
                    vcpuTotalRow[tid] = thread.totalsRow
                    vcpuTotalRows.append(StateTimes())
                }
            }
            vcpuTotalRows[Int(thread.totalsRow)][thread.state] += duration
        } else if registry.vms[thread.vm].vhostTids.contains(tid) {
            vmWindows[thread.vm].vhostObservedNs += duration
            if thread.state == .waiting || thread.state == .preempted { vmWindows[thread.vm].vhostWaitingNs += duration }
        }
    }

    /// Charges the time `runner` held `cpu` to each vCPU waiting for that CPU.
    /// The idle task holding the CPU steals nothing (the wakeup → switch-in delay of an idle CPU).
    private func attributeSteal(cpu: Int, until t: Int64, runner: Int32) {
        guard !cpus[cpu].waiters.isEmpty else { return }
        guard runner > 0 else {
            for waiter in cpus[cpu].waiters where tracked[waiter] != nil { tracked[waiter]!.stealSince = t }
            return
        }
        var name: String?
        var kind = StealerKind.host
        for waiter in cpus[cpu].waiters {
            // Only a vCPU that is still waiting for this CPU loses time to its holder.
            guard var thread = tracked[waiter], let vm = thread.vcpuVM,
                  thread.state == .preempted || thread.state == .waiting, thread.queueCPU == cpu else { continue }
            let from = max(thread.stealSince, cpus[cpu].since)
            thread.stealSince = t
            tracked[waiter] = thread
            guard t > from else { continue }
            if name == nil {
                name = registry.culpritName(of: runner)
                switch registry.role(of: runner) {
                case .vcpu(let rvm, _), .vhost(let rvm), .ioThread(let rvm): kind = rvm == vm ? .same : .vm
                case .kernel: kind = .kernel
                case .idle, .host: kind = .host
                }
            }
            var k = kind
            if case .vm = k, registry.info(runner)?.vm == vm { k = .same }
            vmWindows[vm].stolenByKind[k.rawValue] += t - from
            // The VM's own threads (main loop, I/O threads, vhost, other vCPUs) are not a
            // neighbour: self-contention has its own column and never names a culprit.
            if k == .same {
                selfContentionTotals[vm, default: 0] += t - from
                continue
            }
            vmWindows[vm].stolenByName[name!, default: 0] += t - from
            stolenTotals[vm, default: [:]][name!, default: 0] += t - from
            if thread.state == .waiting {
                vmWindows[vm].keys[EventKey(.waitedFor, name!), default: 0] += 1
            }
        }
    }

    /// A waiter seen running elsewhere (its switch-in was lost): the time the task on the CPU it
    /// waited for held it until now is charged, then it leaves that CPU's queue.
    private func leaveQueue(_ tid: Int32, of cpu: Int, at t: Int64) {
        guard cpu >= 0, cpu < cpus.count, cpus[cpu].waiters.contains(tid) else { return }
        attributeSteal(cpu: cpu, until: t, runner: cpus[cpu].current)
        removeWaiter(tid, from: cpu)
    }

    private func removeWaiter(_ tid: Int32, from cpu: Int) {
        guard cpu >= 0, cpu < cpus.count, let i = cpus[cpu].waiters.firstIndex(of: tid) else { return }
        cpus[cpu].waiters.remove(at: i)
    }

    // MARK: - Windows

    /// The bucket of events on no known CPU (after CPUs 0..<`EventCPU.limit`).
    static let unknownCPU = EventCPU.limit

    /// A request or packet size from the trace, kept in 0...2^40 bytes so that sums cannot overflow.
    @inline(__always)
    static func size(_ value: Int64) -> Int64 { min(max(value, 0), 1 << 40) }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private func startWindow(_ index: Int64, at t: Int64) {
        window = index
        exits.clearWindow()
        for vm in vmWindows.indices {
            vmWindows[vm] = VMWindow(vm: vm, index: index, windowNs: windowNs)
            vmWindows[vm].knownVCPUs = registry.vms[vm].vcpus.count
        }
        hostWindow = HostWindow(index: index, windowNs: windowNs)
        if t > index * windowNs {
            for vm in vmWindows.indices { vmWindows[vm].observedStartNs = t }
            hostWindow.observedStartNs = t
        }
    }

    private func advance(to t: Int64) {
        let target = Self.floorDiv(t, windowNs)
        if target - window > EventTime.farJumpNs / windowNs + 1 {
            // More than an hour with no event (the reader has already left out a lone far-future
            // timestamp): the window sequence resumes at `t` instead of stepping through the gap,
            // whose time belongs to no state.
            closeWindow(at: (window + 1) * windowNs, partial: false)
            startWindow(target, at: t)
            for (tid, var thread) in tracked {
                thread.since = t; thread.stealSince = t; thread.waitStart = t
                tracked[tid] = thread
            }
            for cpu in cpus.indices { cpus[cpu].since = t }
            return
        }
        while window < target {
            closeWindow(at: (window + 1) * windowNs, partial: false)
            startWindow(window + 1, at: window * windowNs + windowNs)
        }
    }

    private func closeWindow(at end: Int64, partial: Bool) {
        for cpu in cpus.indices where !cpus[cpu].waiters.isEmpty {
            attributeSteal(cpu: cpu, until: end, runner: cpus[cpu].current)
            cpus[cpu].since = end
        }
        for (tid, var thread) in tracked where thread.vm >= 0 {
            account(tid, &thread, until: end)
            thread.since = end
            tracked[tid] = thread
        }
        let pending = pendingWaits(at: end)
        if !pendingBlock.isEmpty {
            for request in pendingBlock.values where request.vm >= 0 && request.time <= end
                && end - request.time <= Self.inFlightHorizonNs {
                vmWindows[request.vm].diskInFlightAges.append(end - request.time)
            }
            for vm in vmWindows.indices where vmWindows[vm].diskInFlightAges.count > 1 {
                vmWindows[vm].diskInFlightAges.sort()  // the table's order is not the same from run to run
            }
        }
        for vm in vmWindows.indices {
            if sharing.count <= vm { sharing.append((TrailingSharedUse(), TrailingSharedUse(), TrailingSum<DelaySum>())) }
            let name = registry.vms[vm].name, c = configuration
            vmWindows[vm].sharedDisk = sharing[vm].disk.push(index: window, user: name, bytes: hostWindow.diskBytes,
                                                             memory: c.sharingMemory, association: c.sharingAssociation)
            vmWindows[vm].sharedLink = sharing[vm].link.push(index: window, user: name, bytes: hostWindow.netBytes,
                                                             memory: c.sharingMemory, association: c.sharingAssociation)
            vmWindows[vm].recentXmitWait = sharing[vm].xmit.push(DelaySum(vmWindows[vm].xmitDelays), memory: c.sharingMemory)
                + (pending[vm] ?? DelaySum())
            if baselines.count <= vm { baselines.append(ThroughputBaselines()) }
            vmWindows[vm].throughputOfBest = baselines[vm].push(vmWindows[vm], smoothing: Int(Self.bestRateSmoothingNs / windowNs),
                                                                memory: Int(Self.bestRateMemoryNs / windowNs))
            vmWindows[vm].knownVCPUs = registry.vms[vm].vcpus.count
            vmWindows[vm].observedEndNs = end
            exits.add(vm: vm, to: &vmWindows[vm])
            onWindow?(vmWindows[vm])
        }
        expireUnownedPackets(before: partial ? .max : end - NetworkAttribution.ownerHorizonNs)
        hostWindow.observedEndNs = end
        network.addTotals(hostWindow)
        onHostWindow?(hostWindow)
        if !partial { purgeStale(before: end - 60_000_000_000) }
    }

    /// Drops in-flight requests older than a minute (their completion was lost).
    private func purgeStale(before t: Int64) {
        if pendingBlock.count > 10_000 { pendingBlock = pendingBlock.filter { $0.value.time >= t } }
        if pendingQemu.count > 10_000 { pendingQemu = pendingQemu.filter { $0.value.time >= t } }
        network.purge(before: t)
    }
}

/// A VM thread entered `state` at `timeNs` (on `cpu`: where it runs, or the run queue it waits on).
public struct ThreadStateChange: Sendable, Equatable {
    public var tid: Int32
    public var cpu: Int32
    public var state: VCPUState
    public var timeNs: Int64

    public init(tid: Int32, cpu: Int32, state: VCPUState, timeNs: Int64) {
        self.tid = tid
        self.cpu = cpu
        self.state = state
        self.timeNs = timeNs
    }
}

/// Exit count and exit → next-entry handling time of one exit reason.
public struct ExitStatistics: Sendable {
    public var count = 0
    public var handling = DurationHistogram()
}

/// Host-wide facts of one window that name culprits: per block device, requests by issuer
/// (a VM name or a host process) and their bytes; per network device, packets and bytes by
/// sender (counted at `net_dev_queue` when the trace has it and the sender is known there, else
/// when the owner is found), and the traffic no owner could be found for.
public struct HostWindow: Sendable {
    public var index: Int64
    public var startNs: Int64
    public var endNs: Int64
    public var observedStartNs: Int64
    public var observedEndNs: Int64
    public var diskRequests: [String: [String: Int]] = [:]
    public var diskBytes: [String: [String: Int64]] = [:]
    public var netBytes: [String: [String: Int64]] = [:]
    public var netPackets: [String: [String: Int]] = [:]
    /// Per network device, the packets no owner could be found for (sent or received in an
    /// interrupt with no socket to tie them to): counted, never credited to anyone.
    public var netUnattributed: [String: LinkTraffic] = [:]

    public init(index: Int64, windowNs: Int64) {
        self.index = index
        self.startNs = index * windowNs
        self.endNs = (index + 1) * windowNs
        self.observedStartNs = startNs
        self.observedEndNs = endNs
    }
}

struct CPUState {
    var current: Int32 = -1
    var since: Int64 = 0
    var lastTid: Int32 = -1
    var lastPid: Int32 = -1
    var waiters: [Int32] = []
    var softirq: Int64 = -1
    var softirqTime: Int64 = .min / 2
    var softirqOpen = false
    var sawSoftirqExit = false
    var lastIrqTime: Int64 = .min / 2
    var lastBlockCompleteTime: Int64 = .min / 2
    /// The socket of the last `tcp_probe` in the softirq running on this CPU (0: none since it
    /// began), and when: data an incoming ACK releases is that socket's.
    var probeSocket: Int64 = 0
    var probeTime: Int64 = 0

    /// A softirq runs on this CPU at `t`: entered and not exited (before the trace's first exit,
    /// only within 100 µs of the entry: a trace may have no exits at all).
    func inSoftirq(at t: Int64) -> Bool {
        softirqOpen && (sawSoftirqExit || t - softirqTime < 100_000)
    }
}

struct TrackedThread {
    var vm: Int
    var isVCPU: Bool
    var state: VCPUState = .idle
    var since: Int64 = 0
    var waitStart: Int64 = 0
    var stealSince: Int64 = 0
    var queueCPU = -1
    var lastCPU = -1
    /// The dense index (`ExitCounts`) of the exit reason awaiting its entry, -1 for none.
    var pendingExit: Int32 = -1
    var exitStart: Int64 = 0
    /// The window and VM whose `activeVCPUs` last took this thread.
    var activeWindow: Int64 = .min
    var activeVM = -1
    /// The state was inferred from the thread's first event, not seen being entered.
    var stateIsAssumed = false
    /// Its row of the model's whole-trace vCPU totals, -1 until found.
    var totalsRow: Int32 = -1
    /// The registry's `version` when this thread's kvm event last found it a vCPU of VM `vm`
    /// having issued kvm events as vCPU `kvmVCPU` (-1: not so): while the registry is unchanged,
    /// a kvm event of the same vCPU needs no registry work.
    var kvmRegistryVersion = -1
    var kvmVCPU: Int32 = -1

    var vcpuVM: Int? { isVCPU && vm >= 0 ? vm : nil }
}

struct BlockRequestKey: Hashable {
    var device: Int64
    var sector: Int64
}

struct PendingRequest {
    var vm: Int
    var time: Int64
    var isWrite: Bool
}

/// The exit reasons of a trace, each given a dense index when first seen, and the current
/// window's exit counts per VM by that index: a `kvm_exit` costs one cheap table lookup instead
/// of hashing the reason and its key's name into the window's dictionaries (issue 18).
struct ExitCounts {
    private(set) var reasons: [ExitReason] = []
    /// Each reason's root-cause key (`kvm_exit <name>`).
    private var keys: [EventKey] = []
    private var byRaw = IntTable<Int64, Int32>()
    /// Per VM, per reason index: exits in the current window.
    private var window: [[Int]] = []
    /// Per VM, the reason indices counted in the current window, in order of first count.
    private var touched: [[Int]] = []

    /// The dense index of `reason`, given one when new.
    @inline(__always)
    mutating func index(of reason: ExitReason) -> Int {
        let key = reason.rawValue ^ (reason.isa << 56)
        if let i = byRaw[key], reasons[Int(i)] == reason { return Int(i) }
        if let i = reasons.firstIndex(of: reason) { return i }
        reasons.append(reason)
        keys.append(EventKey(.exit, reason.name))
        if byRaw[key] == nil { byRaw[key] = Int32(reasons.count - 1) }
        return reasons.count - 1
    }

    @inline(__always)
    mutating func count(vm: Int, reason: Int) {
        if window.count <= vm {
            window.append(contentsOf: repeatElement([], count: vm + 1 - window.count))
            touched.append(contentsOf: repeatElement([], count: vm + 1 - touched.count))
        }
        if window[vm].count <= reason { window[vm].append(contentsOf: repeatElement(0, count: reason + 1 - window[vm].count)) }
        if window[vm][reason] == 0 { touched[vm].append(reason) }
        window[vm][reason] += 1
    }

    /// Adds `vm`'s counts of the window to its `exitsByReason` and `keys`, and clears them.
    mutating func add(vm: Int, to w: inout VMWindow) {
        guard vm < touched.count else { return }
        for r in touched[vm] {
            let n = window[vm][r]
            w.exitsByReason[reasons[r], default: 0] += n
            w.keys[keys[r], default: 0] += n
            window[vm][r] = 0
        }
        touched[vm].removeAll(keepingCapacity: true)
    }

    /// Forgets the counts of the window (a new one starts).
    mutating func clearWindow() {
        for vm in touched.indices {
            for r in touched[vm] { window[vm][r] = 0 }
            touched[vm].removeAll(keepingCapacity: true)
        }
    }
}
