import Foundation
import TraceIngest

/// What `interfere events|stats CAPTURE` print for a PT capture: per CPU and per vCPU (VMCS)
/// entries, exits, guest/hypervisor time, guest run lengths, host-process preemptions, gaps,
/// and per VM the guest processes (guest CR3) with their run time.
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
        struct St { var inGuest = false; var known = false; var vmcs: UInt64 = 0; var cr3: UInt64 = 0; var since: Int64 = 0; var runStart: Int64 = 0 }
        var st = [St](repeating: St(), count: sidecar.cpuCount)
        cpus = (0..<sidecar.cpuCount).map { CPU(cpu: $0) }
        var idx: [UInt64: Int] = [:]
        func v(_ base: UInt64) -> Int {
            if let i = idx[base] { return i }
            let n = sidecar.vmcs[String(base)]
            vcpus.append(VCPU(vmcs: base, vm: n?.vm ?? String(format: "vmcs-%llx", base), vcpu: n?.vcpu ?? -1))
            idx[base] = vcpus.count - 1
            return vcpus.count - 1
        }
        func proc(_ cr3: UInt64) -> String { sidecar.processes[String(cr3)] ?? String(format: "cr3-%llx", cr3) }
        // Per vCPU, keyed by CR3 while decoding; named once at the end (naming per event was the cost).
        var guestByCR3: [Int: [UInt64: Int64]] = [:]
        var preemptionsByCR3: [Int: [UInt64: Int]] = [:]
        for e in events {
            let c = Int(e.cpu); guard c >= 0, c < cpus.count else { continue }
            var s = st[c]
            let base = UInt64(bitPattern: e.a), cr3 = UInt64(bitPattern: e.b)
            switch e.kind {
            case .ptVMEntry:
                let i = v(base)
                if s.known, !s.inGuest, s.vmcs == base { vcpus[i].hypervisorNs += e.time - s.since; cpus[c].hypervisorNs += e.time - s.since }
                vcpus[i].entries += 1; cpus[c].entries += 1
                s = St(inGuest: true, known: true, vmcs: base, cr3: cr3, since: e.time, runStart: e.time)
            case .ptGuestProcessSwitch:
                if s.known, s.inGuest { guestByCR3[v(s.vmcs), default: [:]][s.cr3, default: 0] += e.time - s.since
                    vcpus[v(s.vmcs)].guestNs += e.time - s.since; cpus[c].guestNs += e.time - s.since }
                s.cr3 = cr3; s.since = e.time
            case .ptVMExit:
                let i = v(base)
                vcpus[i].exits += 1; cpus[c].exits += 1
                if s.known, s.inGuest {
                    let d = e.time - s.since, run = e.time - s.runStart
                    vcpus[i].guestNs += d; cpus[c].guestNs += d
                    guestByCR3[i, default: [:]][s.cr3, default: 0] += d
                    vcpus[i].runMinNs = vcpus[i].runs == 0 ? run : min(vcpus[i].runMinNs, run)
                    vcpus[i].runMaxNs = max(vcpus[i].runMaxNs, run)
                    vcpus[i].runs += 1; vcpus[i].guestRunNs += run
                }
                s = St(inGuest: false, known: true, vmcs: base, cr3: cr3, since: e.time, runStart: 0)
            case .ptHostProcessSwitch:
                if s.known, !s.inGuest, s.vmcs != 0 { preemptionsByCR3[v(s.vmcs), default: [:]][cr3, default: 0] += 1 }
                s.cr3 = cr3
            case .ptGap:
                cpus[c].gaps += 1; cpus[c].gapNs += e.a - e.time
                s = St()
            default: break
            }
            st[c] = s
        }
        for (i, byCR3) in guestByCR3 { for (cr3, ns) in byCR3 { vcpus[i].guestProcesses[proc(cr3), default: 0] += ns } }
        for (i, byCR3) in preemptionsByCR3 { for (cr3, n) in byCR3 { vcpus[i].preemptions[proc(cr3), default: 0] += n } }
        vcpus.sort { ($0.vm, $0.vcpu, $0.vmcs) < ($1.vm, $1.vcpu, $1.vmcs) }
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
        let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }
}
