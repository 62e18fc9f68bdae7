import Foundation
import TraceIngest

/// What `interfere events|stats CAPTURE` print for a PT capture: per CPU and per vCPU (VMCS)
/// entries, exits, guest/hypervisor time, guest run lengths, host-process preemptions, gaps,
/// and per VM the guest processes (guest CR3) with their run time.
///
/// Times (`PTStateMachine`, shared with `PTWindowFeatures`): guest = VM entry → VM exit.
/// Hypervisor = VM exit → the first of: the next VM entry on that CPU, a host CR3 write (PIP
/// outside the guest: the scheduler switched the vCPU's thread out, another host process runs
/// there — preemption, not hypervisor work — or the CPU idles), a gap. A host CR3 other than the
/// exit's counts as a preemption by that process (once per change of CR3). Time from a gap's
/// start to its end is never attributed.
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
    /// `consume`, then `finish`. The times come from `PTStateMachine`; this sink adds them up. Per
    /// event: pointer writes only; the guest process ((vCPU, CR3) → slot) is looked up when it
    /// changes on a CPU, in open-addressing tables; names are made once at the end.
    /// (`@exclusivity(unchecked)`: the event loop is the only accessor; the dynamic checks were 8 %
    /// of a run.)
    public final class Accumulator: PTEventSink {
        @exclusivity(unchecked) private var machine: PTStateMachine<Totals>

        public init(sidecar: PTSidecar) {
            machine = PTStateMachine(cpuCount: sidecar.cpuCount, sink: Totals(sidecar: sidecar))
        }

        public func consume(_ e: Event) { machine.consume(e) }

        /// The stats: names from the sidecar, vCPUs sorted by (VM, vCPU, VMCS).
        public func finish() -> PTStats { machine.sink.finish() }
    }

    /// The `PTTimelineSink` that adds up the per-CPU and per-vCPU totals.
    struct Totals: PTTimelineSink {
        /// The trivial part of `VCPU`.
        private struct VCPUTotals {
            var entries = 0, exits = 0, runs = 0
            var guestNs: Int64 = 0, hypervisorNs: Int64 = 0, runMinNs: Int64 = 0, runMaxNs: Int64 = 0, guestRunNs: Int64 = 0
        }
        /// Per CPU: the guest process slot of the current guest run.
        private struct GuestNow { var slot = -1, vcpu = -1; var cr3: UInt64 = 0 }

        private let sidecar: PTSidecar
        private let cpuTotals: Counters<CPU>
        private let guestNow: Counters<GuestNow>
        private let vcpuTotals = Counters(zero: VCPUTotals())
        private let vmcsBases = Counters(zero: UInt64(0))
        private var guestIndex = PairIndex()       // (vCPU, guest CR3) → slot
        private let guestTime = Counters(zero: Int64(0))
        private var preemptionIndex = PairIndex()  // (vCPU, host CR3) → slot
        private let preemptionCount = Counters(zero: 0)

        init(sidecar: PTSidecar) {
            self.sidecar = sidecar
            cpuTotals = Counters(zero: CPU(cpu: 0))
            for c in 0..<sidecar.cpuCount { cpuTotals.append(CPU(cpu: c)) }
            guestNow = Counters(zero: GuestNow(), count: sidecar.cpuCount)
        }

        mutating func newVCPU(_ vcpu: Int, vmcs: UInt64) {
            vcpuTotals.append(VCPUTotals())
            vmcsBases.append(vmcs)
        }

        @inline(__always) mutating func interval(_ mode: PTMode, cpu: Int, vcpu: Int, from: Int64, to: Int64) {
            let d = to - from
            switch mode {
            case .guest:
                vcpuTotals.base[vcpu].guestNs += d
                cpuTotals.base[cpu].guestNs += d
                guestTime.base[guestNow.base[cpu].slot] += d
            case .hypervisor:
                vcpuTotals.base[vcpu].hypervisorNs += d
                cpuTotals.base[cpu].hypervisorNs += d
            case .preempted, .unknown, .away: break
            }
        }

        @inline(__always) private mutating func setGuest(cpu: Int, vcpu: Int, cr3: UInt64) {
            let g = guestNow.base + cpu
            guard g.pointee.slot < 0 || g.pointee.vcpu != vcpu || g.pointee.cr3 != cr3 else { return }
            let (i, isNew) = guestIndex.index(UInt64(vcpu), cr3)
            if isNew { guestTime.append(0) }
            g.pointee = GuestNow(slot: i, vcpu: vcpu, cr3: cr3)
        }

        mutating func entry(cpu: Int, vcpu: Int, guestCR3: UInt64, at t: Int64) {
            vcpuTotals.base[vcpu].entries += 1
            cpuTotals.base[cpu].entries += 1
            setGuest(cpu: cpu, vcpu: vcpu, cr3: guestCR3)
        }

        mutating func guestSwitch(cpu: Int, vcpu: Int, guestCR3: UInt64, at t: Int64) {
            setGuest(cpu: cpu, vcpu: vcpu, cr3: guestCR3)
        }

        mutating func exit(cpu: Int, vcpu: Int, run: Int64?, at t: Int64) {
            let v = vcpuTotals.base + vcpu
            v.pointee.exits += 1
            cpuTotals.base[cpu].exits += 1
            guard let run else { return }
            if v.pointee.runs == 0 || run < v.pointee.runMinNs { v.pointee.runMinNs = run }
            if run > v.pointee.runMaxNs { v.pointee.runMaxNs = run }
            v.pointee.runs += 1
            v.pointee.guestRunNs += run
        }

        mutating func preemption(cpu: Int, vcpu: Int, hostCR3: UInt64) {
            let (k, isNew) = preemptionIndex.index(UInt64(vcpu), hostCR3)
            if isNew { preemptionCount.append(0) }
            preemptionCount.base[k] += 1
        }

        mutating func gap(cpu: Int, from: Int64, to: Int64) {
            cpuTotals.base[cpu].gaps += 1
            cpuTotals.base[cpu].gapNs += to - from
            guestNow.base[cpu].slot = -1
        }

        func finish() -> PTStats {
            func proc(_ cr3: UInt64) -> String { sidecar.processes[String(cr3)] ?? String(format: "cr3-%llx", cr3) }
            var out: [VCPU] = (0..<vmcsBases.count).map { i in
                let base = vmcsBases[i], n = sidecar.vmcs[String(base)], t = vcpuTotals[i]
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
