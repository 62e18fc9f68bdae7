import Foundation
import HostModel
import Learning
import TraceIngest

/// The simulated host in time: a discrete-event simulation of CPUs with CFS-like run queues
/// (time slices, wakeup preemption, pinning), QEMU processes (main loop, vCPUs, a `worker`
/// thread pool, a vhost thread), host processes and kernel noise, block devices and links with
/// FIFO queues. It emits the normalized events LTTng would record, in time order, one at a time
/// (`next()`), and records the truth of every vCPU state, exit, request and packet as it goes.
final class Engine {
    let scenario: Scenario
    let strings: StringTable
    let truth: TruthRecorder
    /// QEMU user-space events, kept for the UST trace (they are few).
    private(set) var userSpaceEvents: [Event] = []
    /// Intel PT view of the same run (entries, exits, CR3 switches), when asked for.
    var ptSink: ((Event) -> Void)?

    private var g: SeededGenerator
    private var actions = TimedHeap<Action>()
    private var output = TimedHeap<Event>()
    private var cpus: [CPU] = []
    private var tasks: [Task] = []
    private var vmTasks: [(main: Int, vcpus: [Int], worker: Int, vhost: Int)] = []
    private var ksoftirqd: [Int] = []
    private var lastSoftirq: [Int64] = []
    private var devices: [Device] = []
    private var links: [Link] = []
    private var now: Int64
    private let end: Int64
    private var finished = false
    private var nextSkb: Int64 = 0x0000_8880_0000_0000
    private var nextRequest: Int64 = 0x5600_0000
    // Every string the run needs is interned before it starts: the CTF writer may read the table
    // from another thread while the engine runs.
    private var swapperNames: [Int32] = []
    private var linkNames: [Int32] = []
    private var readID: Int32 = 0, writeID: Int32 = 0
    private var daemonID: Int32 = 0, qemuPathID: Int32 = 0, kthreaddID: Int32 = 0
    private var irqNames: [Int32] = []

    enum Action {
        case cpu(Int, UInt64)          // a CPU's next decision (stale when the version moved on)
        case wake(Int, Int32)          // task, waker tid (0 = an interrupt from idle / timer)
        case tick(Int)
        case device(Int)
        case link(Int)
        case hostStart(Int), hostStop(Int)
        case vmStart(Int)
    }

    enum Kind { case vcpu, main, worker, vhost, host, kworker, ksoftirqd }

    final class Task {
        let tid: Int32, pid: Int32, comm: Int32, kind: Kind, vm: Int, index: Int
        var cpus: [Int]
        var running = false, queued = false
        var cpu: Int
        var burstLeft: Int64 = 0
        var inGuest = false
        var segmentEnd: Int64 = .max
        var blockAfterExit = false, preemptAfterExit = false
        var jobs: [Job] = []
        var outstanding = 0
        var alive = true
        var guestCR3: UInt64 = 0
        /// A disk or net guest thinks (sleeps) between one request's completion and the next.
        var thinkNext = false
        init(tid: Int32, pid: Int32, comm: Int32, kind: Kind, vm: Int, index: Int, cpus: [Int]) {
            self.tid = tid; self.pid = pid; self.comm = comm; self.kind = kind; self.vm = vm; self.index = index
            self.cpus = cpus; self.cpu = cpus[0]
        }
    }

    enum Job { case submit(vcpu: Int, bytes: Int64, write: Bool), complete(vcpu: Int, request: Int64), kick(vcpu: Int, packets: Int), ack(vcpu: Int) }

    struct CPU {
        var current: Int? = nil
        var queue: [Int] = []
        var switchIn: Int64 = 0
        var sliceEnd: Int64 = .max
        var runStart: Int64 = 0
        var version: UInt64 = 0
        var picking = false
    }

    struct Device { var plan: DevicePlan; var queue: [(owner: Int, worker: Int, vcpu: Int, sector: Int64, bytes: Int64, request: Int64, write: Bool)] = []; var busy = false }
    struct Link { var plan: LinkPlan; var queue: [(owner: Int, vhost: Int, vcpu: Int, skb: Int64, length: Int64, last: Bool)] = []; var busy = false }

    init(scenario: Scenario, strings: StringTable, windowNs: Int64 = 100_000_000) {
        self.scenario = scenario
        self.strings = strings
        self.g = SeededGenerator(seed: scenario.seed ^ 0xA5A5_5A5A)
        self.now = scenario.originNs
        self.end = scenario.originNs + Int64(scenario.duration * 1e9)
        self.truth = TruthRecorder(windowNs: windowNs, vmNames: scenario.vms.map(\.name), vcpuCounts: scenario.vms.map(\.vcpus))
        build()
    }

    // MARK: - Set-up

    private func addTask(tid: Int32, pid: Int32, comm: String, kind: Kind, vm: Int = -1, index: Int = 0, cpus: [Int]) -> Int {
        tasks.append(Task(tid: tid, pid: pid, comm: strings.intern(comm), kind: kind, vm: vm, index: index, cpus: cpus))
        return tasks.count - 1
    }

    private func build() {
        swapperNames = (0..<scenario.pcpus).map { strings.intern("swapper/\($0)") }
        linkNames = scenario.links.map { strings.intern($0.name) }
        readID = strings.intern("R")
        writeID = strings.intern("W")
        daemonID = strings.intern("libvirtd")
        qemuPathID = strings.intern("/usr/bin/qemu-system-x86_64")
        kthreaddID = strings.intern("kthreadd")
        irqNames = scenario.devices.indices.map { strings.intern("ahci[\($0)]") } + scenario.links.indices.map { strings.intern("virtio\($0)-input") }
        cpus = Array(repeating: CPU(), count: scenario.pcpus)
        devices = scenario.devices.map { Device(plan: $0) }
        links = scenario.links.map { Link(plan: $0) }
        let t0 = scenario.originNs
        for cpu in 0..<scenario.pcpus {
            _ = addTask(tid: Int32(10 + cpu), pid: Int32(10 + cpu), comm: "kworker/\(cpu):1", kind: .kworker, cpus: [cpu])
            actions.push(t0 + Int64(cpu) * 97_000 + 1_000, .tick(cpu))
        }
        // Each CPU's ksoftirqd: softirq work the kernel defers when softirqs come too fast.
        ksoftirqd = (0..<scenario.pcpus).map { cpu in
            addTask(tid: Int32(1000 + cpu), pid: Int32(1000 + cpu), comm: "ksoftirqd/\(cpu)", kind: .ksoftirqd, cpus: [cpu])
        }
        lastSoftirq = Array(repeating: 0, count: scenario.pcpus)
        for (v, plan) in scenario.vms.enumerated() {
            let cpusOf = plan.cpus.map { $0 % scenario.pcpus }
            // The QEMU main loop (briefly awake now and then) may run on any CPU: it migrates.
            let anyCPU = Array(0..<scenario.pcpus)
            let main = addTask(tid: plan.pid, pid: plan.pid, comm: "qemu-system-x86", kind: .main, vm: v, cpus: anyCPU)
            var vcpus: [Int] = []
            for i in 0..<plan.vcpus {
                let t = addTask(tid: plan.pid + 1 + Int32(i), pid: plan.pid, comm: "CPU \(i)/KVM", kind: .vcpu, vm: v, index: i,
                                cpus: [cpusOf[i % cpusOf.count]])
                tasks[t].guestCR3 = 0x1_0000_0000 + UInt64(v) << 24
                vcpus.append(t)
            }
            let worker = addTask(tid: plan.pid + 40, pid: plan.pid, comm: "worker", kind: .worker, vm: v, cpus: cpusOf)
            let vhost = addTask(tid: plan.pid + 50, pid: plan.pid + 50, comm: "vhost-\(plan.pid)", kind: .vhost, vm: v, cpus: cpusOf)
            vmTasks.append((main, vcpus, worker, vhost))
        }
        for (h, plan) in scenario.hostTasks.enumerated() {
            let t = addTask(tid: plan.pid, pid: plan.pid, comm: plan.name, kind: .host, vm: h, cpus: plan.cpus.map { $0 % scenario.pcpus })
            actions.push(t0 + Int64(plan.start * 1e9), .hostStart(t))
            actions.push(t0 + Int64(plan.end * 1e9), .hostStop(t))
        }
        // Statedump of every thread running at the start, then every VM thread wakes within 2 ms;
        // a VM that starts later is forked and exec'd then (its threads do not exist before).
        for (i, task) in tasks.enumerated() {
            let start = startTime(of: i)
            if start <= t0 {
                emit(Event(time: t0, cpu: 0, kind: .statedumpProcessState, tid: 0, pid: 0, a: Int64(task.tid), b: Int64(task.pid),
                           c: 1, s1: task.comm))
            } else {
                task.alive = false
            }
            if task.kind == .vcpu || task.kind == .main || task.kind == .kworker {
                actions.push(max(t0, start) + 1_000 + Int64(g.next() % 2_000_000), .wake(i, 0))
            }
        }
        for v in scenario.vms.indices {
            let start = max(t0, t0 + Int64(scenario.vms[v].startsAt * 1e9))
            if start > t0 { actions.push(start, .vmStart(v)) }
            for t in vmTasks[v].vcpus { truth.set(vm: v, state: .idle, at: start, thread: t) }
        }
    }

    private func startTime(of task: Int) -> Int64 {
        let t = tasks[task]
        guard t.vm >= 0, t.kind != .host, t.kind != .kworker else { return scenario.originNs }
        return scenario.originNs + Int64(scenario.vms[t.vm].startsAt * 1e9)
    }

    /// A VM started mid-trace: the management daemon forks QEMU, which execs, then creates its threads.
    private func vmStart(_ v: Int) {
        let plan = scenario.vms[v]
        let (main, vcpus, worker, vhost) = vmTasks[v]
        let cpu = tasks[main].cpus[0]
        let daemon = daemonID
        emit(Event(time: now, cpu: Int32(cpu), kind: .schedProcessFork, tid: 900, pid: 900, a: 900, b: Int64(plan.pid), c: 900,
                   d: Int64(plan.pid), s1: daemon, s2: daemon))
        emit(Event(time: now + 50_000, cpu: Int32(cpu), kind: .schedProcessExec, tid: plan.pid, pid: plan.pid, a: Int64(plan.pid),
                   b: Int64(plan.pid), s1: qemuPathID))
        var t = now + 100_000
        for thread in vcpus + [worker] {
            emit(Event(time: t, cpu: Int32(cpu), kind: .schedProcessFork, tid: plan.pid, pid: plan.pid, a: Int64(plan.pid),
                       b: Int64(tasks[thread].tid), c: Int64(plan.pid), d: Int64(plan.pid), s1: tasks[main].comm, s2: tasks[main].comm))
            t += 20_000
        }
        let kthreadd = kthreaddID
        emit(Event(time: t, cpu: Int32(cpu), kind: .schedProcessFork, tid: 2, pid: 2, a: 2, b: Int64(tasks[vhost].tid), c: 2,
                   d: Int64(tasks[vhost].tid), s1: kthreadd, s2: kthreadd))
        for thread in [main, worker, vhost] + vcpus { tasks[thread].alive = true }
    }

    // MARK: - Output

    /// The next event in time order, or nil at the end.
    func next() -> Event? {
        while true {
            if let t = output.minTime, t <= (actions.minTime ?? .max) || finished {
                return output.pop()!.element
            }
            if finished { return nil }
            guard let (time, action) = actions.pop(), time <= end else {
                finish()
                continue
            }
            now = time
            perform(action)
        }
    }

    private func emit(_ e: Event) {
        if e.kind == .qemuThreadPoolSubmit || e.kind == .qemuThreadPoolComplete {
            userSpaceEvents.append(e)
            return
        }
        output.push(e.time, e)
    }

    private func finish() {
        finished = true
        now = end
        event(.softirqEntry, cpu: 0, at: end, a: 1)   // the trace ends exactly at the scenario's end
        for v in scenario.vms.indices { for t in vmTasks[v].vcpus { truth.close(vm: v, thread: t, at: end) } }
    }

    /// The task current on `cpu` (for perf-style context), 0 when idle.
    private func currentTid(_ cpu: Int) -> (Int32, Int32) {
        guard let c = cpus[cpu].current else { return (0, 0) }
        return (tasks[c].tid, tasks[c].pid)
    }

    private func event(_ kind: EventKind, cpu: Int, at t: Int64? = nil, a: Int64 = 0, b: Int64 = 0, c: Int64 = 0, d: Int64 = 0,
                       s1: Int32 = StringTable.none, s2: Int32 = StringTable.none, task: Task? = nil) {
        let (tid, pid) = task.map { ($0.tid, $0.pid) } ?? currentTid(cpu)
        emit(Event(time: t ?? now, cpu: Int32(cpu), kind: kind, tid: tid, pid: pid, a: a, b: b, c: c, d: d, s1: s1, s2: s2))
    }

    // MARK: - Actions

    private func perform(_ action: Action) {
        switch action {
        case .cpu(let cpu, let version):
            guard cpus[cpu].version == version else { return }
            decide(cpu)
        case .wake(let task, let waker):
            wake(task, waker: waker)
        case .tick(let cpu):
            tick(cpu)
        case .device(let d):
            deviceDone(d)
        case .link(let l):
            linkDone(l)
        case .hostStart(let t):
            tasks[t].alive = true
            wake(t, waker: 0)
        case .hostStop(let t):
            tasks[t].alive = false
        case .vmStart(let v):
            vmStart(v)
        }
    }

    /// Timer softirq on each CPU every 4 ms; the CPU's kworker now and then.
    private func tick(_ cpu: Int) {
        event(.softirqEntry, cpu: cpu, a: 1)
        event(.softirqExit, cpu: cpu, at: now + 2_000, a: 1)
        actions.push(now + 4_000_000, .tick(cpu))
        // Task `cpu` is that CPU's kworker (added first).
        let r = g.next() % 60
        if r % 3 == 0 { wake(cpu, waker: currentTid(cpu).0) }
        if r == 1 { wake(ksoftirqd[cpu], waker: currentTid(cpu).0) }
    }

    /// A softirq on `cpu`: when the previous one was under 200 µs ago, the kernel hands the rest
    /// of the work to that CPU's ksoftirqd (as under a burst of completions or packets).
    private func softirqRaised(cpu: Int) {
        if now - lastSoftirq[cpu] < 200_000 { wake(ksoftirqd[cpu], waker: currentTid(cpu).0) }
        lastSoftirq[cpu] = now
    }

    // MARK: - Scheduling

    private func wake(_ t: Int, waker: Int32) {
        let task = tasks[t]
        guard task.alive, !task.running, !task.queued else { return }
        let target = task.cpus.min { cpuLoad($0) < cpuLoad($1) } ?? task.cpus[0]
        if target != task.cpu && task.kind != .vcpu {
            event(.schedMigrateTask, cpu: target, a: Int64(task.tid), b: Int64(task.cpu), c: Int64(target), s1: task.comm)
        }
        task.cpu = target
        let wakerCPU = waker == 0 ? target : (tasks.first { $0.tid == waker && $0.running }?.cpu ?? target)
        let (wtid, wpid) = waker == 0 ? (Int32(0), Int32(0)) : (waker, tasks.first { $0.tid == waker }?.pid ?? 0)
        emit(Event(time: now, cpu: Int32(wakerCPU), kind: .schedWakeup, tid: wtid, pid: wpid, a: Int64(task.tid), b: Int64(target), s1: task.comm))
        if task.kind == .vcpu { truth.set(vm: task.vm, state: .waiting, at: now, thread: t) }
        task.queued = true
        cpus[target].queue.append(t)
        if cpus[target].current == nil {
            if !cpus[target].picking {
                cpus[target].picking = true
                schedule(target, at: now + 4_000 + Int64(g.next() % 16_000))
            }
        } else {
            // Wakeup preemption: the woken task runs once the current one has had 1 ms (or its slice).
            let c = cpus[target]
            let slice = max(750_000, 6_000_000 / Int64(c.queue.count + 1))
            let preemptAt = max(now + 20_000, c.switchIn + min(1_000_000, slice))
            if preemptAt < cpus[target].sliceEnd {
                cpus[target].sliceEnd = preemptAt
                reschedule(target)
            }
        }
    }

    private func cpuLoad(_ cpu: Int) -> Int { cpus[cpu].queue.count + (cpus[cpu].current == nil ? 0 : 1) }

    private func schedule(_ cpu: Int, at time: Int64) {
        cpus[cpu].version &+= 1
        actions.push(time, .cpu(cpu, cpus[cpu].version))
    }

    /// Schedules the current task's next decision: the end of its burst, of its guest or exit
    /// segment, or of its slice.
    private func reschedule(_ cpu: Int) {
        guard let c = cpus[cpu].current else { return }
        let task = tasks[c]
        if task.blockAfterExit || task.preemptAfterExit {
            // Handling the last exit before leaving the CPU: nothing else happens meanwhile.
            schedule(cpu, at: max(now, task.segmentEnd))
            return
        }
        var t = cpus[cpu].sliceEnd
        if task.burstLeft < Int64.max / 2 { t = min(t, cpus[cpu].runStart + max(0, task.burstLeft)) }
        t = min(t, task.segmentEnd)
        schedule(cpu, at: max(now, t))
    }

    private func switchTo(_ cpu: Int, next: Int?, prevState: Int64) {
        let prev = cpus[cpu].current
        let prevTask = prev.map { tasks[$0] }
        let nextTask = next.map { tasks[$0] }
        emit(Event(time: now, cpu: Int32(cpu), kind: .schedSwitch, tid: prevTask?.tid ?? 0, pid: prevTask?.pid ?? 0,
                   a: Int64(prevTask?.tid ?? 0), b: prevState, c: Int64(nextTask?.tid ?? 0),
                   s1: prevTask?.comm ?? swapperNames[cpu], s2: nextTask?.comm ?? swapperNames[cpu]))
        if let prevTask {
            prevTask.running = false
            if prevTask.kind == .vcpu { truth.set(vm: prevTask.vm, state: prevState == 0 ? .preempted : .idle, at: now, thread: prev!) }
            if prevTask.kind == .vcpu || prevTask.kind == .main { pt(.ptHostProcessSwitch, cpu: cpu, a: 0, b: Self.hostCR3(pid: prevTask.pid)) }
        }
        cpus[cpu].current = next
        cpus[cpu].switchIn = now
        cpus[cpu].runStart = now
        if let nextTask {
            nextTask.running = true
            nextTask.queued = false
            nextTask.cpu = cpu
            if nextTask.kind == .vcpu {
                truth.set(vm: nextTask.vm, state: .hypervisor, at: now, thread: next!)
                // The vCPU thread's process is back on this CPU (its CR3 is loaded): PT sees it.
                pt(.ptHostProcessSwitch, cpu: cpu, a: 0, b: Self.hostCR3(pid: nextTask.pid))
                nextTask.inGuest = false
                nextTask.segmentEnd = scenario.style == .vmx ? now + 1_500 + Int64(g.next() % 1_000) : .max
            } else {
                nextTask.segmentEnd = .max
                pt(.ptHostProcessSwitch, cpu: cpu, a: 0, b: Self.hostCR3(pid: nextTask.pid))
            }
            if nextTask.burstLeft <= 0 { startBurst(next!) }
            let slice = max(750_000, 6_000_000 / Int64(cpus[cpu].queue.count + 1))
            cpus[cpu].sliceEnd = cpus[cpu].queue.isEmpty ? .max : now + slice
            reschedule(cpu)
        } else {
            cpus[cpu].sliceEnd = .max
        }
    }

    /// A CPU's decision point: idle pick, guest/exit segment boundary, burst end or slice end.
    private func decide(_ cpu: Int) {
        if cpus[cpu].current == nil {
            cpus[cpu].picking = false
            guard !cpus[cpu].queue.isEmpty else { return }
            switchTo(cpu, next: cpus[cpu].queue.removeFirst(), prevState: 0)
            return
        }
        let c = cpus[cpu].current!
        let task = tasks[c]
        if task.burstLeft < Int64.max / 2 { task.burstLeft -= now - cpus[cpu].runStart }
        cpus[cpu].runStart = now
        if task.blockAfterExit || task.preemptAfterExit {
            if now < task.segmentEnd { reschedule(cpu); return }
            let blocking = task.blockAfterExit
            task.blockAfterExit = false
            task.preemptAfterExit = false
            task.segmentEnd = .max
            if blocking { endBurst(c, cpu: cpu) } else { preempt(cpu) }
            return
        }
        let vmx = task.kind == .vcpu && scenario.style == .vmx
        // The burst is over: leave the guest first.
        if task.burstLeft <= 0 {
            if vmx && task.inGuest {
                exitGuest(c, cpu: cpu, reason: finalExit(task))
                task.blockAfterExit = true
                reschedule(cpu)
            } else {
                endBurst(c, cpu: cpu)
            }
            return
        }
        if now >= cpus[cpu].sliceEnd && !cpus[cpu].queue.isEmpty {
            if vmx && task.inGuest {
                exitGuest(c, cpu: cpu, reason: .externalInterrupt)   // the timer interrupt that preempts it
                task.preemptAfterExit = true
                task.segmentEnd = now + 1_000
                reschedule(cpu)
            } else {
                preempt(cpu)
            }
            return
        }
        if vmx && now >= task.segmentEnd {
            if task.inGuest {
                let reason = exitReason(task)
                exitGuest(c, cpu: cpu, reason: reason)
            } else {
                enterGuest(c, cpu: cpu)
            }
        } else if now >= cpus[cpu].sliceEnd {
            cpus[cpu].sliceEnd = cpus[cpu].queue.isEmpty ? .max : now + 3_000_000
        }
        reschedule(cpu)
    }

    private func preempt(_ cpu: Int) {
        let c = cpus[cpu].current!
        tasks[c].queued = true
        cpus[cpu].queue.append(c)
        let next = cpus[cpu].queue.removeFirst()
        switchTo(cpu, next: next, prevState: 0)
    }

    private func block(_ cpu: Int) {
        let next = cpus[cpu].queue.isEmpty ? nil : cpus[cpu].queue.removeFirst()
        switchTo(cpu, next: next, prevState: 1)
    }

    // MARK: - KVM

    private func enterGuest(_ t: Int, cpu: Int) {
        let task = tasks[t]
        event(.kvmEntry, cpu: cpu, a: Int64(task.index), task: task)
        pt(.ptVMEntry, cpu: cpu, a: vmcs(task), b: task.guestCR3)
        truth.set(vm: task.vm, state: .guest, at: now, thread: t)
        task.inGuest = true
        let mean = guestMean(workload(task.vm))
        task.segmentEnd = now + max(500, Int64(-log(max(1e-12, g.unit())) * Double(mean)))
        // A guest process switch now and then (seen by Intel PT as a guest CR3 change).
        if g.next() % 8 == 0 {
            task.guestCR3 = 0x1_0000_0000 + UInt64(task.vm) << 24 + (g.next() % 4) << 12
            pt(.ptGuestProcessSwitch, cpu: cpu, a: vmcs(task), b: task.guestCR3)
        }
    }

    private func exitGuest(_ t: Int, cpu: Int, reason: ExitReason) {
        let task = tasks[t]
        event(.kvmExit, cpu: cpu, a: reason.rawValue, b: reason.isa, c: Int64(task.index), d: Int64(g.next() & 0xfffff), task: task)
        pt(.ptVMExit, cpu: cpu, a: vmcs(task), b: Self.hostCR3(pid: task.pid))
        truth.set(vm: task.vm, state: .hypervisor, at: now, thread: t)
        truth.exit(vm: task.vm, reason: reason.name, at: now)
        task.inGuest = false
        task.segmentEnd = now + handling(reason)
    }

    private func vmcs(_ task: Task) -> UInt64 { Self.vmcs(vm: task.vm, vcpu: task.index) }

    /// The VMCS base of a vCPU and the CR3 of a host process, as the PT capture shows them.
    static func vmcs(vm: Int, vcpu: Int) -> UInt64 { 0x7f00_0000 + UInt64(vm) << 16 + UInt64(vcpu) << 12 }
    static func hostCR3(pid: Int32) -> UInt64 { 0x2000_0000 + UInt64(pid) }

    private func pt(_ kind: EventKind, cpu: Int, at t: Int64? = nil, a: UInt64, b: UInt64) {
        guard let ptSink, scenario.style == .vmx else { return }
        ptSink(Event(time: t ?? now, cpu: Int32(cpu), kind: kind, a: Int64(bitPattern: a), b: Int64(bitPattern: b)))
    }

    private func workload(_ vm: Int) -> Workload {
        let s = Double(now - scenario.originNs) / 1e9
        return scenario.vms[vm].phases.first { s >= $0.start && s < $0.end }?.workload ?? .idle
    }

    /// Mean guest run between exits (published figures: a CPU-bound guest exits a few thousand
    /// times a second, mostly external interrupts and the preemption timer; memory-heavy guests
    /// take tens of thousands of EPT violations a second).
    private func guestMean(_ w: Workload) -> Int64 {
        switch w {
        case .memory: return 40_000
        case .cpu, .mixed: return 500_000
        default: return 200_000
        }
    }

    private func exitReason(_ task: Task) -> ExitReason {
        let r = g.next() % 100
        switch workload(task.vm) {
        case .memory: return r < 80 ? .eptViolation : r < 95 ? .externalInterrupt : .preemptionTimer
        case .disk, .diskHeavy: return r < 50 ? .externalInterrupt : r < 80 ? .eptMisconfig : .ioInstruction
        case .net, .netHeavy: return r < 50 ? .externalInterrupt : r < 85 ? .eptMisconfig : .msrWrite
        default: return r < 65 ? .externalInterrupt : r < 90 ? .preemptionTimer : .msrWrite
        }
    }

    private func finalExit(_ task: Task) -> ExitReason {
        switch workload(task.vm) {
        case .cpu, .memory: return .preemptionTimer
        case .disk, .diskHeavy: return .ioInstruction
        case .net, .netHeavy: return .eptMisconfig
        case .mixed: return task.outstanding > 0 ? .ioInstruction : .hlt
        default: return .hlt
        }
    }

    private func handling(_ reason: ExitReason) -> Int64 {
        switch reason {
        case .eptViolation: return 3_000 + Int64(g.next() % 5_000)
        case .ioInstruction, .eptMisconfig: return 4_000 + Int64(g.next() % 6_000)
        case .hlt: return 1_000 + Int64(g.next() % 1_000)
        default: return 1_000 + Int64(g.next() % 2_000)
        }
    }

    // MARK: - Bursts: what each task does on a CPU, and after

    private func startBurst(_ t: Int) {
        let task = tasks[t]
        switch task.kind {
        case .vcpu:
            switch workload(task.vm) {
            case .cpu, .memory: task.burstLeft = 10_000_000 + Int64(g.next() % 10_000_000)
            case .idle: task.burstLeft = 30_000 + Int64(g.next() % 50_000)
            case .disk: task.burstLeft = 150_000 + Int64(g.next() % 250_000)
            case .diskHeavy, .netHeavy: task.burstLeft = 40_000 + Int64(g.next() % 30_000)
            case .net: task.burstLeft = 100_000 + Int64(g.next() % 100_000)
            case .mixed: task.burstLeft = 3_000_000 + Int64(g.next() % 3_000_000)
            }
        case .main: task.burstLeft = 20_000 + Int64(g.next() % 30_000)
        case .worker, .vhost: task.burstLeft = 8_000 + Int64(task.jobs.count) * 6_000
        case .host: task.burstLeft = 10_000_000
        case .kworker: task.burstLeft = 15_000 + Int64(g.next() % 40_000)
        case .ksoftirqd: task.burstLeft = 10_000 + Int64(g.next() % 50_000)
        }
    }

    private func endBurst(_ t: Int, cpu: Int) {
        let task = tasks[t]
        task.burstLeft = 0
        switch task.kind {
        case .vcpu: vcpuBlocks(t, cpu: cpu)
        case .main:
            block(cpu)
            actions.push(now + 5_000_000 + Int64(g.next() % 40_000_000), .wake(t, 0))
        case .kworker, .ksoftirqd:
            block(cpu)
        case .host:
            if task.alive { startBurst(t); reschedule(cpu) } else { block(cpu) }
        case .worker: runWorker(t, cpu: cpu)
        case .vhost: runVhost(t, cpu: cpu)
        }
    }

    private func vcpuBlocks(_ t: Int, cpu: Int) {
        let task = tasks[t]
        let w = workload(task.vm)
        let plan = scenario.vms[task.vm]
        let vm = vmTasks[task.vm]
        switch w {
        case .cpu, .memory:
            startBurst(t)   // CPU-bound: it never sleeps
            if scenario.style == .vmx { task.segmentEnd = now + 1_000 }
            reschedule(cpu)
        case .idle:
            block(cpu)
            actions.push(now + 1_000_000 + Int64(g.next() % 3_000_000), .wake(t, 0))
        case .disk, .diskHeavy, .mixed:
            if w == .disk && task.thinkNext {
                task.thinkNext = false
                block(cpu)
                actions.push(now + 4_000_000 + Int64(g.next() % 12_000_000), .wake(t, 0))
                return
            }
            if w == .mixed && g.next() % 2 == 0 {
                startBurst(t)
                if scenario.style == .vmx { task.segmentEnd = now + 1_000 }
                reschedule(cpu)
                return
            }
            let bytes: Int64 = w == .diskHeavy ? 512 * 1024 : 4096
            let request = nextRequest
            nextRequest += 1
            event(.qemuThreadPoolSubmit, cpu: cpu, a: request, b: Int64(plan.pid) << 8, task: task)
            tasks[vm.worker].jobs.append(.submit(vcpu: t, bytes: bytes, write: w == .mixed))
            task.outstanding += 1
            task.thinkNext = true
            block(cpu)
            wake(vm.worker, waker: task.tid)
        case .net, .netHeavy:
            if w == .net && task.thinkNext {
                task.thinkNext = false
                block(cpu)
                actions.push(now + 2_000_000 + Int64(g.next() % 6_000_000), .wake(t, 0))
                return
            }
            task.thinkNext = true
            tasks[vm.vhost].jobs.append(.kick(vcpu: t, packets: w == .netHeavy ? 24 : 4))
            block(cpu)
            wake(vm.vhost, waker: task.tid)
        }
    }

    /// The QEMU thread pool: issues submitted requests, completes finished ones.
    private func runWorker(_ t: Int, cpu: Int) {
        let task = tasks[t]
        let jobs = task.jobs
        task.jobs = []
        var wakes: [Int] = []
        for job in jobs {
            switch job {
            case .submit(let vcpu, let bytes, let write):
                let d = scenario.vms[task.vm].device
                let sector = Int64(task.vm) << 24 + Int64(g.next() % 1_000_000) * 8
                let request = nextRequest - 1
                event(.blockRqIssue, cpu: cpu, a: devices[d].plan.dev, b: sector, c: bytes / 512, d: bytes,
                      s1: write ? writeID : readID, s2: task.comm, task: task)
                truth.disk(vm: task.vm, write: write, bytes: bytes, at: now)
                devices[d].queue.append((task.vm, t, vcpu, sector, bytes, request, write))
                if !devices[d].busy { startDevice(d) }
            case .complete(let vcpu, let request):
                event(.qemuThreadPoolComplete, cpu: cpu, a: request, b: Int64(scenario.vms[task.vm].pid) << 8, task: task)
                tasks[vcpu].outstanding -= 1
                wakes.append(vcpu)
            default: break
            }
        }
        block(cpu)
        for v in wakes { wake(v, waker: task.tid) }
    }

    /// vhost: queues the guest's packets on the link; on acknowledgement, receives and wakes the vCPU.
    private func runVhost(_ t: Int, cpu: Int) {
        let task = tasks[t]
        let jobs = task.jobs
        task.jobs = []
        var wakes: [Int] = []
        let l = scenario.vms[task.vm].link
        let device = linkNames[l]
        for job in jobs {
            switch job {
            case .kick(let vcpu, let packets):
                for p in 0..<packets {
                    let skb = nextSkb
                    nextSkb += 256
                    let length: Int64 = 1514
                    event(.netDevQueue, cpu: cpu, a: skb, b: length, s1: device, task: task)
                    links[l].queue.append((task.vm, t, vcpu, skb, length, p == packets - 1))
                }
                if !links[l].busy { startLink(l) }
            case .ack(let vcpu):
                event(.netIfReceiveSkb, cpu: cpu, a: nextSkb, b: 66, s1: device, task: task)
                truth.net(vm: task.vm, tx: false, bytes: 66, at: now)
                nextSkb += 256
                wakes.append(vcpu)
            default: break
            }
        }
        block(cpu)
        for v in wakes { wake(v, waker: task.tid) }
    }

    // MARK: - Devices and links

    private func startDevice(_ d: Int) {
        guard let head = devices[d].queue.first else { devices[d].busy = false; return }
        devices[d].busy = true
        let service = devices[d].plan.baseLatencyNs + Int64(Double(head.bytes) / devices[d].plan.bytesPerSecond * 1e9)
        actions.push(now + service, .device(d))
    }

    private func deviceDone(_ d: Int) {
        let r = devices[d].queue.removeFirst()
        let cpu = 0
        event(.irqHandlerEntry, cpu: cpu, a: Int64(40 + d), s1: irqNames[d])
        event(.softirqEntry, cpu: cpu, a: 4)
        event(.blockRqComplete, cpu: cpu, a: devices[d].plan.dev, b: r.sector, c: r.bytes / 512, s1: r.write ? writeID : readID)
        tasks[r.worker].jobs.append(.complete(vcpu: r.vcpu, request: r.request))
        wake(r.worker, waker: currentTid(cpu).0)
        event(.softirqExit, cpu: cpu, a: 4)
        softirqRaised(cpu: cpu)
        startDevice(d)
    }

    private func startLink(_ l: Int) {
        guard let head = links[l].queue.first else { links[l].busy = false; return }
        links[l].busy = true
        actions.push(now + Int64(Double(head.length) / links[l].plan.bytesPerSecond * 1e9), .link(l))
    }

    /// A packet leaves: sent from the NET_TX softirq of CPU 0, in whatever task is current there.
    private func linkDone(_ l: Int) {
        let p = links[l].queue.removeFirst()
        let cpu = 0
        if p.last { event(.irqHandlerEntry, cpu: cpu, a: Int64(50 + l), s1: irqNames[devices.count + l]) }
        event(.softirqEntry, cpu: cpu, a: 2)
        event(.netDevXmit, cpu: cpu, a: p.skb, b: p.length, s1: linkNames[l])
        truth.net(vm: p.owner, tx: true, bytes: p.length, at: now)
        event(.softirqExit, cpu: cpu, a: 2)
        softirqRaised(cpu: cpu)
        if p.last {
            tasks[p.vhost].jobs.append(.ack(vcpu: p.vcpu))
            wake(p.vhost, waker: currentTid(cpu).0)
        }
        startLink(l)
    }
}
