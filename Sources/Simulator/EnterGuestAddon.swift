import TraceIngest

/// The research VM addon's `addons_vcpu_enter_guest` for one simulated VM
/// (`Scenario.enterGuestVMs`): before each of its vCPUs' `kvm_entry` the host writes the guest's
/// CR3, SP and IP, as the addon reads them from the VMCS, and the truth of which guest process
/// and stack ran until the exit (`guest-processes.csv`).
///
/// The guest runs two processes: `app` with two threads, `db` with one. Their CR3s are
/// 16 KiB-aligned page-table bases with a PCID in the low bits (process + 1) and, in user mode,
/// PTI's user page table 4 KiB above (bit 12). Each thread has a 16 KiB kernel stack and an
/// 8 MiB-aligned 8 MiB user stack. The k-th entry of vCPU n resumes thread (k / 5 + n) mod 3, in
/// kernel mode when k mod 3 = 0, its SP moving within the stack.
///
/// With `glibcStacks` (`Scenario.guestStatedump`) the user stacks lie where glibc maps thread
/// stacks: 8 MiB each, one below the other with a 4 KiB guard page between, the first ending
/// 128 KiB above an 8 MiB boundary, so that each thread's SPs straddle a boundary of 8 MiB blocks
/// (the host alone, by blocks, splits each stack in two and puts two threads' halves in one) and
/// only the guest's statedump (`statedump`: app pid 1000 with tids 1000 and 1001, db pid 1100)
/// tells them apart.
struct EnterGuestAddon {
    static let threads = [(process: 0, name: "app"), (process: 0, name: "app"), (process: 1, name: "db")]
    /// The guest tid and pid of each thread, in the statedump.
    static let tids: [(tid: Int32, pid: Int32)] = [(1000, 1000), (1001, 1000), (1100, 1100)]

    let vmPID: Int32
    let vmName: String
    let vcpus: Int
    private let vmIndex: Int
    let glibcStacks: Bool
    private var entries: [Int]
    private var open: [(start: Int64, key: Key)?]
    struct Key: Hashable { var cr3: UInt64; var kernel: Bool; var stack: UInt64 }
    private(set) var truth: [Key: (ns: Int64, entries: Int)] = [:]
    private var lastTime: Int64 = .min

    init(vmPID: Int32, vmName: String, vcpus: Int, vmIndex: Int, glibcStacks: Bool = false) {
        self.glibcStacks = glibcStacks
        self.vmPID = vmPID
        self.vmName = vmName
        self.vcpus = vcpus
        self.vmIndex = vmIndex
        entries = Array(repeating: 0, count: vcpus)
        open = Array(repeating: nil, count: vcpus)
    }

    /// Process `p`'s CR3 (the kernel one, low bits clear).
    func cr3(process p: Int) -> UInt64 { 0x2_0000_0000 + UInt64(vmIndex) << 24 + UInt64(p) << 14 }
    func kernelStack(thread g: Int) -> UInt64 { 0xffff_c900_0000_0000 + UInt64(vmIndex) << 24 + UInt64(g) * 0x8000 }
    /// Thread `g`'s user stack start (it is 8 MiB long).
    func userStack(thread g: Int) -> UInt64 {
        let base = 0x7f00_0000_0000 + UInt64(vmIndex) << 32
        guard glibcStacks else { return base + UInt64(g) * 0x80_0000 }
        return base + 0x2_0000 - UInt64(g) * (0x80_0000 + 0x1000) - 0x80_0000
    }

    /// The guest's statedump at guest-trace time `t` (on its CPU 0): each thread's
    /// `lttng_statedump_process_state`, then each process's user stacks as `lttng_statedump_vm_map`
    /// (flags 0x100073: VM_READ, VM_WRITE, VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC, VM_ACCOUNT).
    func statedump(at t: Int64, strings: StringTable) -> [Event] {
        var events: [Event] = []
        for (g, thread) in Self.threads.enumerated() {
            let ids = Self.tids[g]
            events.append(Event(time: t, cpu: 0, kind: .statedumpProcessState, tid: 0, pid: 0, a: Int64(ids.tid), b: Int64(ids.pid),
                                c: 1, s1: strings.intern(thread.name)))
        }
        for g in Self.threads.indices {
            let start = userStack(thread: g)
            events.append(Event(time: t, cpu: 0, kind: .statedumpVMMap, tid: 0, pid: 0, a: Int64(Self.tids[g].pid),
                                b: Int64(bitPattern: start), c: Int64(bitPattern: start + 0x80_0000), d: 0x100073))
        }
        return events
    }

    /// One host event, in time order; returns the `vcpu_enter_guest` to write just before it.
    mutating func observe(_ e: Event) -> Event? {
        lastTime = max(lastTime, e.time)
        switch e.kind {
        case .kvmEntry where e.pid == vmPID:
            let n = Int(e.a)
            guard n >= 0, n < vcpus else { return nil }
            close(n, at: e.time)
            let k = entries[n]
            entries[n] += 1
            let g = (k / 5 + n) % Self.threads.count, p = Self.threads[g].process
            let kernel = k % 3 == 0
            let sp = kernel ? kernelStack(thread: g) + 0x4000 - 8 - UInt64(k % 100) * 64
                            : userStack(thread: g) + 0x80_0000 - 8 - UInt64(k % 1000) * 256
            let cr3Value = cr3(process: p) | (kernel ? 0 : 0x1000) | UInt64(p + 1)
            let ip: UInt64 = kernel ? 0xffff_ffff_8100_0000 + UInt64(k % 4096) : 0x40_0000 + UInt64(k % 4096)
            let key = Key(cr3: cr3(process: p), kernel: kernel, stack: kernel ? kernelStack(thread: g) : userStack(thread: g))
            open[n] = (e.time, key)
            truth[key, default: (0, 0)].entries += 1
            return Event(time: e.time, cpu: e.cpu, kind: .vcpuEnterGuest, tid: e.tid, pid: e.pid, a: Int64(n),
                         b: Int64(bitPattern: cr3Value), c: Int64(bitPattern: sp), d: Int64(bitPattern: ip))
        case .kvmExit where e.pid == vmPID:
            let n = Int(e.c)
            if n >= 0, n < vcpus { close(n, at: e.time) }
        default:
            break
        }
        return nil
    }

    private mutating func close(_ n: Int, at t: Int64) {
        guard let o = open[n] else { return }
        open[n] = nil
        truth[o.key, default: (0, 0)].ns += t - o.start
    }

    /// `guest-processes.csv` rows: vm, process, cr3, mode, stack start and end (hex), guest ns,
    /// entries; intervals still open close at the last host event.
    mutating func truthRows() -> [String] {
        for n in 0..<vcpus { close(n, at: lastTime) }
        return truth.sorted { ($0.key.cr3, $0.key.kernel ? 0 : 1, $0.key.stack) < ($1.key.cr3, $1.key.kernel ? 0 : 1, $1.key.stack) }.map { key, v in
            let size: UInt64 = key.kernel ? 0x4000 : 0x80_0000
            let process = key.cr3 == cr3(process: 0) ? "app" : "db"
            return "\(vmName),\(process),\(String(key.cr3, radix: 16)),\(key.kernel ? "kernel" : "user"),"
                + "\(String(key.stack, radix: 16)),\(String(key.stack + size, radix: 16)),\(v.ns),\(v.entries)"
        }
    }
}
