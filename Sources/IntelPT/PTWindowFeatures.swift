import Foundation
import TraceIngest

/// The PT feature group per (VM, window): shares of guest / hypervisor / host-preemption time,
/// entry and guest-switch rates, mean guest run. Windows are [i*w, (i+1)*w) with i = floor(t/w).
/// Denominators are the vCPU time observed in the window (guest + hypervisor): time inside a gap
/// is never observed (state is reset at a gap), so it is excluded rather than bridged.
public struct PTWindowFeatures: Codable, Sendable, Equatable {
    /// One (VM, window) row.
    public struct Row: Codable, Sendable, Equatable {
        public var vm: String
        public var window: Int64
        public var observedNs: Int64 = 0
        public var guestNs: Int64 = 0
        public var hypervisorNs: Int64 = 0
        public var preemptedNs: Int64 = 0
        public var entries = 0
        public var guestSwitches = 0
        public var runs = 0
        public var runNs: Int64 = 0
        public var pt_guest_share: Double { observedNs == 0 ? 0 : Double(guestNs) / Double(observedNs) }
        public var pt_hypervisor_share: Double { observedNs == 0 ? 0 : Double(hypervisorNs) / Double(observedNs) }
        public var pt_host_preemption_share: Double { observedNs == 0 ? 0 : Double(preemptedNs) / Double(observedNs) }
        public var pt_entries_per_s: Double { observedNs == 0 ? 0 : Double(entries) * 1e9 / Double(observedNs) }
        public var pt_guest_switches_per_s: Double { observedNs == 0 ? 0 : Double(guestSwitches) * 1e9 / Double(observedNs) }
        public var pt_guest_run_mean_us: Double { runs == 0 ? 0 : Double(runNs) / Double(runs) / 1e3 }
        /// Feature values in `PTWindowFeatures.names` order.
        public var values: [Double] {
            [pt_guest_share, pt_hypervisor_share, pt_entries_per_s, pt_guest_run_mean_us,
             pt_guest_switches_per_s, pt_host_preemption_share]
        }
    }
    public static let names = ["pt_guest_share", "pt_hypervisor_share", "pt_entries_per_s",
                               "pt_guest_run_mean_us", "pt_guest_switches_per_s", "pt_host_preemption_share"]
    public let windowNs: Int64
    /// Rows sorted by (vm, window).
    public private(set) var rows: [Row] = []

    /// Computes the rows from decoded events (time-ordered per CPU); VM names from the sidecar.
    public init(events: [Event], sidecar: PTSidecar, windowNs: Int64) {
        self.windowNs = max(1, windowNs)
        let w = self.windowNs
        var table: [String: [Int64: Row]] = [:]
        func vmName(_ base: UInt64) -> String { sidecar.vmcs[String(base)]?.vm ?? String(format: "vmcs-%llx", base) }
        func with(_ vm: String, _ win: Int64, _ f: (inout Row) -> Void) {
            var r = table[vm]?[win] ?? Row(vm: vm, window: win)
            f(&r)
            table[vm, default: [:]][win] = r
        }
        func win(_ t: Int64) -> Int64 { t >= 0 ? t / w : (t - w + 1) / w }
        /// Splits [a, b) over windows.
        func spread(_ vm: String, _ a: Int64, _ b: Int64, _ f: (inout Row, Int64) -> Void) {
            var s = a
            while s < b {
                let i = win(s), e = min(b, (i + 1) * w)
                with(vm, i) { f(&$0, e - s) }
                s = e
            }
        }
        enum Mode { case unknown, guest, host }
        struct St { var mode = Mode.unknown; var vmcs: UInt64 = 0; var since: Int64 = 0; var exitCR3: UInt64 = 0; var preempted = false }
        var st: [Int32: St] = [:]
        func close(_ s: St, _ t: Int64) {
            guard s.mode != .unknown, t > s.since else { return }
            let vm = vmName(s.vmcs)
            if s.mode == .guest {
                spread(vm, s.since, t) { $0.guestNs += $1; $0.observedNs += $1 }
            } else {
                let p = s.preempted
                spread(vm, s.since, t) { $0.hypervisorNs += $1; $0.observedNs += $1; if p { $0.preemptedNs += $1 } }
            }
        }
        var runStart: [Int32: Int64] = [:]
        for e in events {
            var s = st[e.cpu] ?? St()
            let base = UInt64(bitPattern: e.a), cr3 = UInt64(bitPattern: e.b)
            switch e.kind {
            case .ptVMEntry:
                close(s, e.time)
                with(vmName(base), win(e.time)) { $0.entries += 1 }
                s = St(mode: .guest, vmcs: base, since: e.time)
                runStart[e.cpu] = e.time
            case .ptGuestProcessSwitch:
                if s.mode == .guest { close(s, e.time); s.since = e.time
                    with(vmName(s.vmcs), win(e.time)) { $0.guestSwitches += 1 } }
            case .ptVMExit:
                close(s, e.time)
                if s.mode == .guest, let r = runStart[e.cpu] {
                    with(vmName(base), win(e.time)) { $0.runs += 1; $0.runNs += e.time - r }
                }
                runStart[e.cpu] = nil
                s = St(mode: .host, vmcs: base, since: e.time, exitCR3: cr3, preempted: false)
            case .ptHostProcessSwitch:
                if s.mode == .host { close(s, e.time); s.since = e.time; s.preempted = cr3 != s.exitCR3 }
            case .ptGap:
                close(s, e.time)
                s = St(); runStart[e.cpu] = nil
            default: break
            }
            st[e.cpu] = s
        }
        rows = table.keys.sorted().flatMap { vm in table[vm]!.keys.sorted().map { table[vm]![$0]! } }
    }
}
