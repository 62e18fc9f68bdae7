import AtomicOutput
import Foundation
import HostModel
import IntelPT
import TraceIngest

/// Why a simulation was refused or failed.
public enum SimulationError: Error, CustomStringConvertible, Equatable {
    case outputNotEmpty(String)
    case cannotWrite(String, String)
    case badGuest(String)

    public var description: String {
        switch self {
        case .outputNotEmpty(let path): return "\(path): the output folder exists and is not empty"
        case .cannotWrite(let path, let reason): return "\(path): cannot write: \(reason)"
        case .badGuest(let reason): return reason
        }
    }
}

/// What a simulation wrote.
public struct SimulationResult: Sendable {
    public var kernelEvents: Int
    public var userSpaceEvents: Int
    /// Events of the guests' own traces (`Scenario.guestTraces`).
    public var guestEvents: Int = 0
    public var seconds: Double
}

/// Runs a scenario and writes `DIR/trace/` (kernel and UST CTF traces through libbabeltrace2),
/// `labels.csv`, `truth.csv`, `scenario.json` and `vm-names.csv`; with `Scenario.guestTraces`,
/// also each such guest's own trace `DIR/guests/<vm>/kernel` and `guests.csv` (its hostname,
/// VM, QEMU pid, vCPUs, events written, clock skew, sync messages, clock drift and the host time it
/// counts from); with `Scenario.enterGuestVMs`, `guest-processes.csv`. Everything is written in a
/// temporary folder beside `DIR` and renamed at the end: a failed run leaves nothing.
public enum Simulation {
    /// How the Intel PT capture is timed and whether it loses data now and then.
    public struct PTOptions: Sendable, Equatable {
        public enum Timing: String, Sendable, CaseIterable {
            /// A TSC (+ TMA) before every event: exact to the ns.
            case tsc
            /// MTC packets between PSB+ blocks: within one MTC period (333 ns).
            case mtc
            /// MTC and CYC packets: within a core cycle.
            case cyc
        }
        public var timing: Timing
        /// An OVF in place of every n-th event (0: never).
        public var overflowEvery: Int
        public init(timing: Timing = .tsc, overflowEvery: Int = 0) {
            self.timing = timing
            self.overflowEvery = overflowEvery
        }
    }

    /// `writePT`: also write `DIR/pt/`, the Intel PT capture of the same run (VMX hosts only), as `pt` says.
    public static func run(_ scenario: Scenario, output: String, writePT: Bool = true, pt: PTOptions = .init()) throws -> SimulationResult {
        let fm = FileManager.default
        for name in scenario.enterGuestVMs ?? [] {
            guard scenario.vms.contains(where: { $0.name == name }) else {
                throw SimulationError.badGuest("--enter-guest: no VM named `\(name)` (VMs: \(scenario.vms.map(\.name).joined(separator: ", ")))")
            }
            guard scenario.style == .vmx else {
                throw SimulationError.badGuest("--enter-guest needs a host with kvm entry/exit (VMX); this scenario's host has none")
            }
        }
        if scenario.guestStatedump == true {
            guard let both = scenario.enterGuestVMs?.filter({ scenario.guestTraces?.contains($0) == true }), !both.isEmpty else {
                throw SimulationError.badGuest("--guest-statedump needs a VM given to both --enter-guest and --guest-trace")
            }
        }
        for name in scenario.guestTraces ?? [] {
            guard scenario.vms.contains(where: { $0.name == name }) else {
                throw SimulationError.badGuest("--guest-trace: no VM named `\(name)` (VMs: \(scenario.vms.map(\.name).joined(separator: ", ")))")
            }
            guard scenario.style == .vmx else {
                throw SimulationError.badGuest("--guest-trace needs a host with kvm entry/exit (VMX); this scenario's host has none")
            }
        }
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: output, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, (try? fm.contentsOfDirectory(atPath: output))?.isEmpty == true else {
                throw SimulationError.outputNotEmpty(output)
            }
        }
        return try AtomicOutput.stage(output, replacing: true) { temporary in
            do {
                try fm.createDirectory(at: temporary, withIntermediateDirectories: true)
            } catch {
                throw SimulationError.cannotWrite(output, "the parent folder does not exist or is not writable")
            }
            return try write(scenario, to: temporary, writePT: writePT, pt: pt)
        }
    }

    /// With `Scenario.guestSync`: a sync exchange every this many guest-mode intervals of a vCPU.
    static let syncEvery = 50

    static func write(_ scenario: Scenario, to folder: URL, writePT: Bool, pt: PTOptions = .init()) throws -> SimulationResult {
        let start = Date()
        let strings = StringTable()
        let engine = Engine(scenario: scenario, strings: strings)
        // Intel PT view of the same run (hosts with VMX only): written by libipt's encoder.
        var ptWriter: PTCaptureWriter?
        if writePT && scenario.style == .vmx {
            var sidecar = PTSidecar()
            // TSC packets carry 56 bits: the trace clock's start maps to TSC 10^9, not to ns × ratio.
            let (q, _) = sidecar.tscToNsDen.dividingFullWidth(scenario.originNs.multipliedFullWidth(by: sidecar.tscToNsNum))
            sidecar.tscZero = 1_000_000_000 - q
            for (v, vm) in scenario.vms.enumerated() {
                for i in 0..<vm.vcpus { sidecar.vmcs[String(Engine.vmcs(vm: v, vcpu: i))] = .init(vm: vm.name, vcpu: i) }
                sidecar.processes[String(Engine.hostCR3(pid: vm.pid))] = "qemu-system-x86"
                sidecar.processes[String(Engine.hostCR3(pid: vm.pid + 50))] = "vhost-\(vm.pid)"
            }
            for h in scenario.hostTasks { sidecar.processes[String(Engine.hostCR3(pid: h.pid))] = h.name }
            for cpu in 0..<scenario.pcpus {
                sidecar.processes[String(Engine.hostCR3(pid: Int32(10 + cpu)))] = "kworker/\(cpu):1"
                sidecar.processes[String(Engine.hostCR3(pid: Int32(1000 + cpu)))] = "ksoftirqd/\(cpu)"
            }
            let writer = try PTCaptureWriter(directory: folder.appendingPathComponent("pt"), cpuCount: scenario.pcpus, sidecar: sidecar)
            writer.timeByMTC = pt.timing != .tsc
            writer.cycles = pt.timing == .cyc
            writer.overflowEvery = max(0, pt.overflowEvery)
            engine.ptSink = { try? writer.consume($0) }
            ptWriter = writer
        }
        var uuid = [UInt8](repeating: 0, count: 16)
        var h: UInt64 = scenario.seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: scenario.preset.hashValueStable)
        for i in 0..<16 { h = h &* 6364136223846793005 &+ 1442695040888963407; uuid[i] = UInt8(truncatingIfNeeded: h >> 33) }
        // The engine runs on its own thread, handing batches of events to the writer (the two
        // halves of the work on the two cores).
        let pipe = BoundedQueue<[Event]>()
        let batchSize = 8192
        let producer = Thread {
            var batch: [Event] = []
            batch.reserveCapacity(batchSize)
            while let e = engine.next() {
                batch.append(e)
                if batch.count == batchSize {
                    guard pipe.put(batch) else { return }
                    batch.removeAll(keepingCapacity: true)
                }
            }
            _ = pipe.put(batch)
            pipe.close()
        }
        producer.stackSize = 1 << 22
        producer.start()
        var current: [Event] = []
        var position = 0
        var guests = (scenario.guestTraces ?? []).compactMap { name in
            scenario.vms.first { $0.name == name }.map {
                (name: name, trace: GuestTrace(vmPID: $0.pid, vcpus: $0.vcpus, syncEvery: scenario.guestSync == true ? Self.syncEvery : 0,
                                               skewNs: scenario.guestClockSkewNs ?? 0, driftPPB: scenario.guestClockDriftPPB ?? 0,
                                               referenceNs: scenario.originNs))
            }
        }
        var addons = (scenario.enterGuestVMs ?? []).compactMap { name in
            scenario.vms.firstIndex { $0.name == name }.map {
                EnterGuestAddon(vmPID: scenario.vms[$0].pid, vmName: name, vcpus: scenario.vms[$0].vcpus, vmIndex: $0,
                                glibcStacks: scenario.guestStatedump == true)
            }
        }
        var injected: [Event] = []
        let observesGuests = !guests.isEmpty || !addons.isEmpty
        let kernel = CTFWriter(options: .init(path: folder.appendingPathComponent("trace/kernel").path, hostname: scenario.hostname,
                                              cpuCount: scenario.pcpus, uuid: uuid, writesSync: scenario.guestSync == true,
                                              writesEnterGuest: !addons.isEmpty),
                               strings: strings, next: {
            if !injected.isEmpty { return injected.removeFirst() }
            while position >= current.count {
                guard let batch = pipe.take() else { return nil }
                current = batch
                position = 0
            }
            position += 1
            let e = current[position - 1]
            if observesGuests {
                // The host's sync events, written right before / after the kvm event they go with.
                var before: [Event] = [], after: [Event] = []
                for g in guests.indices {
                    let (b, a) = guests[g].trace.observe(e)
                    if let b { before.append(b) }
                    if let a { after.append(a) }
                }
                for g in addons.indices { if let b = addons[g].observe(e) { before.append(b) } }
                if !before.isEmpty || !after.isEmpty {
                    injected = Array((before + [e] + after).dropFirst())
                    return before.first ?? e
                }
            }
            return e
        })
        let kernelEvents: Int
        do {
            kernelEvents = try kernel.write()
        } catch {
            pipe.cancel()
            throw error
        }
        try UUIDPinning.pin(traceFolder: kernel.options.path, to: uuid)
        var ust = engine.userSpaceEvents[...]
        uuid[15] ^= 0xff
        let userSpace = CTFWriter(options: .init(path: folder.appendingPathComponent("trace/ust/uid/0/64-bit").path,
                                                 hostname: scenario.hostname, cpuCount: 1, uuid: uuid, userSpace: true),
                                  strings: strings, next: { ust.popFirst() })
        try ptWriter?.finish()
        let userSpaceEvents = engine.userSpaceEvents.isEmpty ? 0 : try userSpace.write()
        if userSpaceEvents > 0 { try UUIDPinning.pin(traceFolder: userSpace.options.path, to: uuid) }
        var guestEvents = 0
        var guestRows = "hostname,vm,vm_pid,vcpus,events,clock_skew_ns,sync_messages,clock_drift_ppb,clock_reference_ns\n"
        for (g, guest) in guests.enumerated() {
            let statedump = scenario.guestStatedump == true
                ? addons.first { $0.vmName == guest.name }?.statedump(at: scenario.originNs, strings: strings) : nil
            var events = guest.trace.events(strings: strings, extra: statedump ?? [])[...]
            var guestUUID = uuid
            guestUUID[14] ^= UInt8(truncatingIfNeeded: 0x40 + g)
            let writer = CTFWriter(options: .init(path: folder.appendingPathComponent("guests/\(guest.name)/kernel").path,
                                                  hostname: guest.name, cpuCount: guest.trace.vcpus, uuid: guestUUID,
                                                  writesSync: scenario.guestSync == true, writesVMMaps: statedump != nil),
                                   strings: strings, next: { events.popFirst() })
            let written = try writer.write()
            try UUIDPinning.pin(traceFolder: writer.options.path, to: guestUUID)
            guestEvents += written
            guestRows += "\(guest.name),\(guest.name),\(guest.trace.vmPID),\(guest.trace.vcpus),\(written),\(guest.trace.skewNs),\(guest.trace.syncMessages),\(guest.trace.driftPPB),\(guest.trace.referenceNs)\n"
        }
        if !guests.isEmpty { try Data(guestRows.utf8).write(to: folder.appendingPathComponent("guests.csv")) }
        if !addons.isEmpty {
            var rows = "vm,process,cr3,mode,stack_start,stack_end,guest_ns,entries\n"
            for g in addons.indices { rows += addons[g].truthRows().map { $0 + "\n" }.joined() }
            try Data(rows.utf8).write(to: folder.appendingPathComponent("guest-processes.csv"))
        }
        try Data(labels(scenario).utf8).write(to: folder.appendingPathComponent("labels.csv"))
        try Data(engine.truth.csv().utf8).write(to: folder.appendingPathComponent("truth.csv"))
        try Data(("pid,name\n" + scenario.vms.map { "\($0.pid),\($0.name)\n" }.joined()).utf8)
            .write(to: folder.appendingPathComponent("vm-names.csv"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(scenario).write(to: folder.appendingPathComponent("scenario.json"))
        return SimulationResult(kernelEvents: kernelEvents, userSpaceEvents: userSpaceEvents, guestEvents: guestEvents,
                                seconds: Date().timeIntervalSince(start))
    }

    /// `labels.csv` from the plan: per VM, contiguous rows from the first to the last event,
    /// split where its workload or its interference changes.
    public static func labels(_ s: Scenario) -> String {
        var out = "vm,start_ns,end_ns,workload,interference,culprit\n"
        func ns(_ seconds: Double) -> Int64 { s.originNs + Int64((seconds * 1e9).rounded()) }
        for vm in s.vms {
            let episodes = s.episodes.filter { $0.victim == vm.name }
            var cuts = Set([vm.startsAt, s.duration])
            for p in vm.phases { cuts.insert(min(s.duration, max(0, p.start))); cuts.insert(min(s.duration, max(0, p.end))) }
            for e in episodes { cuts.insert(min(s.duration, max(0, e.start))); cuts.insert(min(s.duration, max(0, e.end))) }
            let sorted = cuts.sorted()
            var rows: [(Double, Double, String, String, String)] = []
            for (a, b) in zip(sorted, sorted.dropFirst()) where b > a && a >= vm.startsAt {
                let mid = (a + b) / 2
                let workload = vm.phases.first { mid >= $0.start && mid < $0.end }?.workload.category.rawValue ?? WorkloadCategory.idle.rawValue
                let episode = episodes.first { mid >= $0.start && mid < $0.end }
                let row = (a, b, workload, (episode?.kind ?? InterferenceKind.none).rawValue, episode?.culprit ?? "")
                if let last = rows.last, last.2 == row.2, last.3 == row.3, last.4 == row.4 {
                    rows[rows.count - 1].1 = b
                } else {
                    rows.append(row)
                }
            }
            for r in rows { out += "\(vm.name),\(ns(r.0)),\(ns(r.1)),\(r.2),\(r.3),\(r.4)\n" }
        }
        return out
    }
}

extension String {
    /// FNV-1a of the UTF-8 bytes: the same on every run (Swift's `hashValue` is seeded per process).
    var hashValueStable: Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Int64(bitPattern: h)
    }
}
