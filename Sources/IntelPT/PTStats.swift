import Foundation
import TraceIngest

/// What `interfere events|stats CAPTURE` print for a PT capture: per CPU and per vCPU (VMCS)
/// entries, exits, guest/hypervisor time, guest run lengths, host-process preemptions, gaps,
/// and per VM the guest processes (guest CR3) with their run time.
///
/// Times: guest = VM entry → VM exit. Hypervisor = VM exit → the first of: the next VM entry on
/// that CPU, a host CR3 write (PIP outside the guest: the scheduler switched the vCPU's thread
/// out, another host process runs there — preemption, not hypervisor work — or the CPU idles),
/// a gap. A host CR3 other than the exit's counts as a preemption by that process (once per
/// change of CR3). Time from a gap's start to its end is never attributed.
public struct PTStats: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Totals for one CPU.
    public struct CPU: Codable, Sendable, Equatable {
        public var cpu: Int
        public var entries = 0, exits = 0
        public var guestNs: Int64 = 0, hypervisorNs: Int64 = 0
        public var gaps = 0, gapNs: Int64 = 0
    }
    /// Totals for one vCPU (one VMCS base).
    public struct VCPU: Codable, Sendable, Equatable {
        public var vmcs: UInt64
        public var vm: String, vcpu: Int
        public var entries = 0, exits = 0
        public var guestNs: Int64 = 0, hypervisorNs: Int64 = 0
        public var runs = 0, runMinNs: Int64 = 0, runMaxNs: Int64 = 0
        public var runMeanNs: Double { runs == 0 ? 0 : Double(guestRunNs) / Double(runs) }
        public var guestRunNs: Int64 = 0
        /// Host process name → number of times it ran on the CPU during an exit of this vCPU.
        public var preemptions: [String: Int] = [:]
        /// Guest CR3 (hex) or process name → guest time.
        public var guestProcesses: [String: Int64] = [:]
    }
    public var cpus: [CPU] = []
    public var vcpus: [VCPU] = []
    public var showGuestProcesses = false

    /// Builds the stats from decoded events (time-ordered per CPU).
    public init(events: [Event], sidecar: PTSidecar) {
        let acc = Accumulator(sidecar: sidecar)
        for e in events { acc.consume(e) }
        self = acc.finish()
    }

    /// Decodes a capture and builds its stats event by event (no event array).
    public init(capture reader: PTCaptureReader) throws {
        var acc = Accumulator(sidecar: reader.sidecar)
        try reader.forEach(into: &acc)
        self = acc.finish()
    }

    init(cpus: [CPU], vcpus: [VCPU]) {
        self.cpus = cpus
        self.vcpus = vcpus
    }

    /// Streaming form: feed events (time-ordered per CPU, CPUs in any interleaving) with
    /// `consume`, then `finish`. Per event: pointer writes only; the vCPU (VMCS → index) and the
    /// guest process ((vCPU, CR3) → slot) are looked up when they change on a CPU, in open-addressing
    /// tables; names are made once at the end. (`@exclusivity(unchecked)`: the event loop is the only
    /// accessor; the dynamic checks were 8 % of a run.)
    public final class Accumulator: PTEventSink {
        private enum Mode: UInt8 { case unknown, guest, hypervisor, away }
        private struct CPUState {
            var mode = Mode.unknown
            var vcpu = -1                  // index of the vCPU
            var since: Int64 = 0           // start of the current guest / hypervisor interval
            var runStart: Int64 = 0        // VM entry of the current guest run
            var exitCR3: UInt64 = 0        // the vCPU process's host CR3 (from the VM exit)
            var returnAt: Int64 = -1       // the last host CR3 write not made in host mode of a vCPU (-1: none since)
            var returnCR3: UInt64 = 0      // the CR3 it loaded
            var hostCR3: UInt64 = 0        // host CR3 now
            var guestSlot = -1             // guest process slot of (vcpu, guest CR3)
            var guestCR3: UInt64 = 0
            var cachedBase: UInt64 = 0, cachedIndex = -1   // last VMCS → vCPU index seen here
        }
        /// The trivial part of `VCPU`.
        private struct Totals {
            var entries = 0, exits = 0, runs = 0
            var guestNs: Int64 = 0, hypervisorNs: Int64 = 0, runMinNs: Int64 = 0, runMaxNs: Int64 = 0, guestRunNs: Int64 = 0
            var processCR3: UInt64 = 0     // the vCPU thread's process (host CR3 at its exits; 0 before the first)
        }

        private let sidecar: PTSidecar
        private let states: Counters<CPUState>
        private let cpuTotals: Counters<CPU>
        private let vcpuTotals = Counters(zero: Totals())
        @exclusivity(unchecked) private var vmcsIndex = PairIndex()        // (VMCS, 0) → vCPU
        @exclusivity(unchecked) private var guestIndex = PairIndex()       // (vCPU, guest CR3) → slot
        private let guestTime = Counters(zero: Int64(0))
        @exclusivity(unchecked) private var preemptionIndex = PairIndex()  // (vCPU, host CR3) → slot
        private let preemptionCount = Counters(zero: 0)

        public init(sidecar: PTSidecar) {
            self.sidecar = sidecar
            states = Counters(zero: CPUState(), count: sidecar.cpuCount)
            cpuTotals = Counters(zero: CPU(cpu: 0))
            for c in 0..<sidecar.cpuCount { cpuTotals.append(CPU(cpu: c)) }
        }

        @inline(__always) private func index(of base: UInt64, _ s: UnsafeMutablePointer<CPUState>) -> Int {
            if s.pointee.cachedIndex >= 0, s.pointee.cachedBase == base { return s.pointee.cachedIndex }
            let (i, isNew) = vmcsIndex.index(base, 0)
            if isNew { vcpuTotals.append(Totals()) }
            s.pointee.cachedBase = base
            s.pointee.cachedIndex = i
            return i
        }

        private func slot(vcpu: Int, cr3: UInt64) -> Int {
            let (i, isNew) = guestIndex.index(UInt64(vcpu), cr3)
            if isNew { guestTime.append(0) }
            return i
        }

        /// Ends the CPU's current guest or hypervisor interval at `t`.
        @inline(__always) private func close(_ c: Int, _ s: UnsafeMutablePointer<CPUState>, at t: Int64) {
            switch s.pointee.mode {
            case .guest:
                let d = t - s.pointee.since
                vcpuTotals.base[s.pointee.vcpu].guestNs += d
                cpuTotals.base[c].guestNs += d
                guestTime.base[s.pointee.guestSlot] += d
            case .hypervisor:
                let d = t - s.pointee.since
                vcpuTotals.base[s.pointee.vcpu].hypervisorNs += d
                cpuTotals.base[c].hypervisorNs += d
            case .unknown, .away: break
            }
        }

        public func consume(_ e: Event) {
            let c = Int(e.cpu)
            guard c >= 0, c < states.count else { return }
            let s = states.base + c
            let t = e.time
            switch e.kind {
            case .ptVMEntry:
                let i = index(of: UInt64(bitPattern: e.a), s), cr3 = UInt64(bitPattern: e.b)
                if s.pointee.mode == .away, s.pointee.returnAt >= 0, vcpuTotals.base[i].processCR3 == 0 || s.pointee.returnCR3 == vcpuTotals.base[i].processCR3 {
                    s.pointee.vcpu = i
                    // The vCPU's process was loaded back (its thread switched in) and entered the
                    // guest: from that CR3 write, the vCPU thread was in host mode again.
                    s.pointee.mode = .hypervisor
                    s.pointee.since = s.pointee.returnAt
                }
                close(c, s, at: t)
                vcpuTotals.base[i].entries += 1
                cpuTotals.base[c].entries += 1
                if s.pointee.guestSlot < 0 || s.pointee.vcpu != i || s.pointee.guestCR3 != cr3 {
                    s.pointee.guestSlot = slot(vcpu: i, cr3: cr3)
                    s.pointee.guestCR3 = cr3
                }
                s.pointee.mode = .guest
                s.pointee.vcpu = i
                s.pointee.since = t
                s.pointee.runStart = t
            case .ptGuestProcessSwitch:
                guard s.pointee.mode == .guest else { return }
                close(c, s, at: t)
                let cr3 = UInt64(bitPattern: e.b)
                s.pointee.guestSlot = slot(vcpu: s.pointee.vcpu, cr3: cr3)
                s.pointee.guestCR3 = cr3
                s.pointee.since = t
            case .ptVMExit:
                let i = index(of: UInt64(bitPattern: e.a), s)
                let v = vcpuTotals.base + i
                v.pointee.exits += 1
                cpuTotals.base[c].exits += 1
                if s.pointee.mode == .guest {
                    close(c, s, at: t)
                    let run = t - s.pointee.runStart
                    if v.pointee.runs == 0 || run < v.pointee.runMinNs { v.pointee.runMinNs = run }
                    if run > v.pointee.runMaxNs { v.pointee.runMaxNs = run }
                    v.pointee.runs += 1
                    v.pointee.guestRunNs += run
                }
                let cr3 = UInt64(bitPattern: e.b)
                s.pointee.mode = .hypervisor
                s.pointee.vcpu = i
                s.pointee.since = t
                s.pointee.exitCR3 = cr3
                s.pointee.hostCR3 = cr3
                s.pointee.returnAt = -1
                v.pointee.processCR3 = cr3
            case .ptHostProcessSwitch:
                let cr3 = UInt64(bitPattern: e.b)
                let mode = s.pointee.mode
                // A write in a vCPU's host mode is its thread leaving; any other may be a vCPU
                // thread's process coming back (decided at the next VM entry).
                s.pointee.returnAt = mode == .hypervisor ? -1 : t
                s.pointee.returnCR3 = cr3
                if mode == .hypervisor || mode == .away {
                    close(c, s, at: t)
                    s.pointee.mode = .away
                    if cr3 != s.pointee.hostCR3, cr3 != s.pointee.exitCR3 {
                        let (k, isNew) = preemptionIndex.index(UInt64(s.pointee.vcpu), cr3)
                        if isNew { preemptionCount.append(0) }
                        preemptionCount.base[k] += 1
                    }
                }
                s.pointee.hostCR3 = cr3
            case .ptGap:
                close(c, s, at: t)
                cpuTotals.base[c].gaps += 1
                cpuTotals.base[c].gapNs += e.a - t
                s.pointee.mode = .unknown
                s.pointee.guestSlot = -1
            default: break
            }
        }

        /// The stats: names from the sidecar, vCPUs sorted by (VM, vCPU, VMCS).
        public func finish() -> PTStats {
            func proc(_ cr3: UInt64) -> String { sidecar.processes[String(cr3)] ?? String(format: "cr3-%llx", cr3) }
            var out: [VCPU] = (0..<vmcsIndex.count).map { i in
                let base = vmcsIndex.key(i).0, n = sidecar.vmcs[String(base)], t = vcpuTotals[i]
                var v = VCPU(vmcs: base, vm: n?.vm ?? String(format: "vmcs-%llx", base), vcpu: n?.vcpu ?? -1)
                v.entries = t.entries; v.exits = t.exits; v.guestNs = t.guestNs; v.hypervisorNs = t.hypervisorNs
                v.runs = t.runs; v.runMinNs = t.runMinNs; v.runMaxNs = t.runMaxNs; v.guestRunNs = t.guestRunNs
                return v
            }
            for k in 0..<guestIndex.count where guestTime[k] != 0 {
                let (vcpu, cr3) = guestIndex.key(k)
                out[Int(vcpu)].guestProcesses[proc(cr3), default: 0] += guestTime[k]
            }
            for k in 0..<preemptionIndex.count {
                let (vcpu, cr3) = preemptionIndex.key(k)
                out[Int(vcpu)].preemptions[proc(cr3), default: 0] += preemptionCount[k]
            }
            out.sort { ($0.vm, $0.vcpu, $0.vmcs) < ($1.vm, $1.vcpu, $1.vmcs) }
            return PTStats(cpus: cpuTotals.array, vcpus: out)
        }
    }

    public var description: String {
        func ms(_ ns: Int64) -> String { String(format: "%.3f ms", Double(ns) / 1e6) }
        var t = "cpu  entries  exits  guest  hypervisor  gaps (time)\n"
        for c in cpus { t += "\(c.cpu)  \(c.entries)  \(c.exits)  \(ms(c.guestNs))  \(ms(c.hypervisorNs))  \(c.gaps) (\(ms(c.gapNs)))\n" }
        t += "vm  vcpu  entries  exits  guest  hypervisor  runs  run mean/min/max us  preemptions\n"
        for v in vcpus {
            let pre = v.preemptions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            t += "\(v.vm)  \(v.vcpu)  \(v.entries)  \(v.exits)  \(ms(v.guestNs))  \(ms(v.hypervisorNs))  \(v.runs)  "
            t += String(format: "%.3f/%.3f/%.3f", v.runMeanNs / 1e3, Double(v.runMinNs) / 1e3, Double(v.runMaxNs) / 1e3)
            t += "  \(pre.isEmpty ? "-" : pre)\n"
            if showGuestProcesses {
                for (p, ns) in v.guestProcesses.sorted(by: { $0.key < $1.key }) { t += "    guest process \(p): \(ms(ns))\n" }
            }
        }
        return t
    }

    /// JSON rendering with the same data as `description`.
    public func json() throws -> String {
        let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys]; e.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try e.encode(self), as: UTF8.self)
    }
}
