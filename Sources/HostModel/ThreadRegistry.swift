import TraceIngest

/// What the host model knows of one thread: its process, its name, and its role in a VM.
public struct ThreadInfo: Sendable {
    public var tid: Int32
    /// Thread-group id (process), -1 while unknown.
    public var pid: Int32 = -1
    /// Interned comm, `StringTable.none` while unknown.
    public var comm: Int32 = StringTable.none
    /// Index of the VM this thread belongs to, -1 for a host thread.
    public var vm: Int = -1
    /// vCPU number when the thread is a vCPU thread, else -1.
    public var vcpu: Int32 = -1
    /// This thread issued kvm entry/exit events.
    public var issuedKVM = false
}

/// The role a thread plays on the host, as far as attributing time goes.
public enum ThreadRole: Sendable, Equatable {
    case vcpu(vm: Int, vcpu: Int32)
    case vhost(vm: Int)
    case ioThread(vm: Int)
    case kernel
    case host
    case idle
}

/// Threads → processes → VMs (DESIGN.md "VM identity").
///
/// A VM is a process whose threads issue kvm entry/exit, or a QEMU-named process
/// (`qemu-system-*`, `qemu-kvm`) with threads named `CPU n/KVM` or `CPU n/TCG`. `vhost-<pid>`
/// belongs to VM `<pid>`. Names come from `vmNames` (pid → name) or are `<comm>-<pid>`.
public struct ThreadRegistry {
    public private(set) var threads = IntTable<Int32, ThreadInfo>()
    /// VMs in order of discovery; `vmIndex[pid]` is the index.
    public private(set) var vms: [VMIdentity] = []
    public private(set) var vmIndex: [Int32: Int] = [:]
    /// Process (tgid) comm, from the main thread's comm.
    private var processComm = IntTable<Int32, Int32>()
    private let vmNames: [Int32: String]
    /// Put before every VM name (the host's, when a folder holds several hosts).
    private let namePrefix: String
    let strings: StringTable
    /// Comm ids already classified as vCPU names (`CPU n/...`) → n, or -1 when not one.
    private var vcpuNameCache = IntTable<Int32, Int32>()
    private var qemuNameCache = IntTable<Int32, Bool>()
    private var vhostNameCache = IntTable<Int32, Int32>()
    /// Changes each time what the registry knows of a thread or a VM may have changed: a caller
    /// that remembers what it read (the host model's kvm path) knows it still holds while this
    /// stays the same.
    public private(set) var version = 0

    public init(strings: StringTable, vmNames: [Int32: String] = [:], namePrefix: String = "") {
        self.strings = strings
        self.vmNames = vmNames
        self.namePrefix = namePrefix
    }

    public func info(_ tid: Int32) -> ThreadInfo? { threads[tid] }

    /// The role of a thread now.
    public func role(of tid: Int32) -> ThreadRole {
        if tid == 0 { return .idle }
        guard let info = threads[tid] else { return .host }
        if info.vm >= 0 {
            if info.vcpu >= 0 { return .vcpu(vm: info.vm, vcpu: info.vcpu) }
            if vms[info.vm].vhostTids.contains(tid) { return .vhost(vm: info.vm) }
            return .ioThread(vm: info.vm)
        }
        if isKernelThread(info) { return .kernel }
        return .host
    }

    /// A kernel thread: its comm is one of the kernel's (kworker, ksoftirqd, migration, rcu, ...)
    /// or its process is kthreadd (pid 2).
    public func isKernelThread(_ info: ThreadInfo) -> Bool {
        if info.pid == 2 || info.tid == 2 { return true }
        let name = strings[info.comm]
        for prefix in ["kworker", "ksoftirqd", "migration", "rcu_", "kthreadd", "kswapd", "watchdog",
                       "cpuhp", "idle_inject", "irq/", "jbd2", "kcompactd", "khugepaged", "loop", "vhost-"] where name.hasPrefix(prefix) {
            return true
        }
        return false
    }

    /// The name to show for whoever runs as `tid`: the VM name for a VM's thread, else the
    /// process comm (or the thread comm when the process is unknown).
    public func culpritName(of tid: Int32) -> String {
        if tid == 0 { return "idle" }
        guard let info = threads[tid] else { return "tid \(tid)" }
        if info.vm >= 0 { return vms[info.vm].name }
        if info.pid > 0, let comm = processComm[info.pid], comm != StringTable.none, !isKernelThread(info) {
            return strings[comm]
        }
        return info.comm != StringTable.none ? strings[info.comm] : "tid \(tid)"
    }

    // MARK: - Learning about threads

    /// Records that `tid` belongs to process `pid` (from a context field, statedump, fork or a side file).
    public mutating func note(tid: Int32, pid: Int32) {
        guard tid > 0, pid > 0 else { return }
        var info = threads[tid] ?? ThreadInfo(tid: tid)
        guard info.pid != pid else { return }
        version &+= 1
        info.pid = pid
        threads[tid] = info
        if tid == pid, info.comm != StringTable.none { processComm[pid] = info.comm }
        else if processComm[pid] == nil, let main = threads[pid], main.comm != StringTable.none { processComm[pid] = main.comm }
        classify(tid)
    }

    /// Records a thread's comm (from sched_switch, wakeup, statedump, exec or a side file).
    public mutating func note(tid: Int32, comm: Int32) {
        guard tid > 0, comm != StringTable.none else { return }
        var info = threads[tid] ?? ThreadInfo(tid: tid)
        guard info.comm != comm else { return }
        version &+= 1
        info.comm = comm
        threads[tid] = info
        if info.pid == tid { processComm[tid] = comm }
        classify(tid)
        // A process whose comm became QEMU's: its other threads may now be recognisable.
        if info.pid == tid, isQEMUName(comm) {
            for (other, otherInfo) in threads where otherInfo.pid == tid && other != tid { classify(other) }
        }
    }

    /// Records that `tid` issued a kvm event for vCPU `vcpuID` (-1 when the event has none).
    public mutating func noteKVM(tid: Int32, vcpuID: Int32) {
        guard tid > 0 else { return }
        var info = threads[tid] ?? ThreadInfo(tid: tid)
        if info.issuedKVM && (vcpuID < 0 || info.vcpu == vcpuID) { return }
        version &+= 1
        info.issuedKVM = true
        threads[tid] = info
        let pid = info.pid > 0 ? info.pid : tid
        let vm = ensureVM(pid: pid)
        var updated = threads[tid]!
        updated.vm = vm
        if vcpuID >= 0 { updated.vcpu = vcpuID }
        else if updated.vcpu < 0 { updated.vcpu = vcpuNumber(fromComm: updated.comm) ?? nextFreeVCPU(vm: vm) }
        threads[tid] = updated
        vms[vm].addVCPU(tid: tid, vcpu: updated.vcpu)
    }

    private func nextFreeVCPU(vm: Int) -> Int32 {
        Int32(clamping: Int(vms[vm].vcpus.map(\.vcpu).max() ?? -1) + 1)
    }

    private mutating func classify(_ tid: Int32) {
        guard var info = threads[tid] else { return }
        // vhost-<pid>: network worker of VM <pid>.
        if let owner = vhostOwner(info.comm) {
            if info.vm < 0 || !vms[info.vm].vhostTids.contains(tid) {
                let vm = ensureVM(pid: owner)
                info.vm = vm
                threads[tid] = info
                vms[vm].vhostTids.insert(tid)
            }
            return
        }
        guard info.pid > 0 else { return }
        if let vm = vmIndex[info.pid] {
            if info.vm != vm { info.vm = vm; threads[tid] = info }
        }
        // QEMU process with `CPU n/KVM|TCG` threads.
        if info.vcpu < 0, let n = vcpuNumber(fromComm: info.comm) {
            let processIsQEMU: Bool
            if let comm = processComm[info.pid] { processIsQEMU = isQEMUName(comm) } else { processIsQEMU = true }
            if processIsQEMU {
                let vm = ensureVM(pid: info.pid)
                info = threads[tid]!
                info.vm = vm
                info.vcpu = n
                threads[tid] = info
                vms[vm].addVCPU(tid: tid, vcpu: n)
            }
        }
    }

    private mutating func ensureVM(pid: Int32) -> Int {
        if let vm = vmIndex[pid] { return vm }
        let vm = vms.count
        let comm = processComm[pid].map { strings[$0] } ?? "qemu"
        vms.append(VMIdentity(pid: pid, name: namePrefix + (vmNames[pid] ?? "\(comm)-\(pid)")))
        vmIndex[pid] = vm
        for (tid, var info) in threads where info.pid == pid && info.vm != vm {
            info.vm = vm
            threads[tid] = info
        }
        return vm
    }

    /// `CPU 3/KVM` or `CPU 0/TCG` → 3 / 0.
    private mutating func vcpuNumber(fromComm comm: Int32) -> Int32? {
        guard comm != StringTable.none else { return nil }
        if let cached = vcpuNameCache[comm] { return cached >= 0 ? cached : nil }
        var result: Int32 = -1
        let name = strings[comm]
        if name.hasPrefix("CPU "), let slash = name.firstIndex(of: "/") {
            let digits = name[name.index(name.startIndex, offsetBy: 4)..<slash]
            let accel = name[name.index(after: slash)...]
            if let n = Int32(digits), accel == "KVM" || accel == "TCG" || accel == "HVF" { result = n }
        }
        vcpuNameCache[comm] = result
        return result >= 0 ? result : nil
    }

    private mutating func vhostOwner(_ comm: Int32) -> Int32? {
        guard comm != StringTable.none else { return nil }
        if let cached = vhostNameCache[comm] { return cached > 0 ? cached : nil }
        let name = strings[comm]
        var owner: Int32 = -1
        if name.hasPrefix("vhost-"), let pid = Int32(name.dropFirst(6)) { owner = pid }
        vhostNameCache[comm] = owner
        return owner > 0 ? owner : nil
    }

    private mutating func isQEMUName(_ comm: Int32) -> Bool {
        if let cached = qemuNameCache[comm] { return cached }
        let name = strings[comm]
        let result = name.hasPrefix("qemu-system") || name.hasPrefix("qemu-kvm") || name == "kvm"
        qemuNameCache[comm] = result
        return result
    }

    /// Renames VMs whose process comm became known after they were found.
    public mutating func refreshNames() {
        version &+= 1
        for i in vms.indices where vmNames[vms[i].pid] == nil {
            if let comm = processComm[vms[i].pid] { vms[i].name = namePrefix + "\(strings[comm])-\(vms[i].pid)" }
        }
    }
}

/// A VM found on the host: its QEMU process, name, vCPU threads and vhost threads.
public struct VMIdentity: Sendable, Codable, Equatable {
    /// One vCPU thread of a VM.
    public struct VCPU: Sendable, Codable, Equatable {
        public var tid: Int32
        public var vcpu: Int32

        public init(tid: Int32, vcpu: Int32) {
            self.tid = tid
            self.vcpu = vcpu
        }
    }

    public var pid: Int32
    public var name: String
    public var vcpus: [VCPU] = []
    public var vhostTids: Set<Int32> = []

    mutating func addVCPU(tid: Int32, vcpu: Int32) {
        if let i = vcpus.firstIndex(where: { $0.tid == tid }) { vcpus[i].vcpu = vcpu; return }
        vcpus.append(VCPU(tid: tid, vcpu: vcpu))
        vcpus.sort { ($0.vcpu, $0.tid) < ($1.vcpu, $1.tid) }
    }
}
