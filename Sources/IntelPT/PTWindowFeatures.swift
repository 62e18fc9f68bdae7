import Foundation
import TraceIngest

/// The PT feature group per (VM, window): shares of guest / hypervisor / host-preemption time,
/// entry and guest-switch rates, mean guest run. Windows are [i*w, (i+1)*w) with i = floor(t/w).
/// Times per CPU, attributed to the VM of the VMCS: guest = VM entry → exit; hypervisor = exit →
/// the first host CR3 write (PIP), VM entry or gap (after a host CR3 write the vCPU's thread is
/// off the CPU: preemption or idle, not hypervisor work); host preemption = while a host CR3 other
/// than the one at the exit is loaded, until the next VM entry or gap. Denominators are the
/// vCPU time observed in the window (guest + hypervisor + host preemption): time inside a gap is
/// never observed (state is reset at a gap), so it is excluded rather than bridged.
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
        var acc = Accumulator(sidecar: sidecar, windowNs: windowNs)
        for e in events { acc.consume(e) }
        self = acc.finish()
    }

    /// Decodes a capture and computes its rows event by event (no event array).
    public init(capture reader: PTCaptureReader, windowNs: Int64) throws {
        var acc = Accumulator(sidecar: reader.sidecar, windowNs: windowNs)
        try reader.forEach(into: &acc)
        self = acc.finish()
    }

    init(windowNs: Int64, rows: [Row]) {
        self.windowNs = windowNs
        self.rows = rows
    }

    /// Streaming form: `consume` events (time-ordered per CPU), then `finish`.
    public struct Accumulator: PTEventSink {
        private enum Mode: UInt8 { case unknown, guest, hypervisor, preempted, away }
        private struct CPUState {
            var mode = Mode.unknown
            var vm = -1
            var since: Int64 = 0
            var runStart: Int64 = 0
            var exitCR3: UInt64 = 0
            var returnAt: Int64 = -1   // the last host CR3 write not made in a VM's host mode (-1: none since)
            var returnCR3: UInt64 = 0  // the CR3 it loaded
        }
        private struct Key: Hashable { var vm: Int; var window: Int64 }

        private let sidecar: PTSidecar
        private let w: Int64
        private var states: [CPUState]
        private var vmNames: [String] = []
        private var vmIndex: [String: Int] = [:]
        private var vmOfBase: [UInt64: Int] = [:]
        private var rowIndex: [Key: Int] = [:]
        private var rows: [Row] = []
        private var processCR3: [UInt64: UInt64] = [:]   // VMCS → its thread's process host CR3 (from its exits; unknown before the first)

        public init(sidecar: PTSidecar, windowNs: Int64) {
            self.sidecar = sidecar
            w = max(1, windowNs)
            states = [CPUState](repeating: CPUState(), count: sidecar.cpuCount)
        }

        private mutating func vm(of base: UInt64) -> Int {
            if let i = vmOfBase[base] { return i }
            let name = sidecar.vmcs[String(base)]?.vm ?? String(format: "vmcs-%llx", base)
            let i: Int
            if let known = vmIndex[name] { i = known } else {
                vmNames.append(name); i = vmNames.count - 1; vmIndex[name] = i
            }
            vmOfBase[base] = i
            return i
        }

        private func window(_ t: Int64) -> Int64 { t >= 0 ? t / w : (t - w + 1) / w }

        private mutating func row(_ vm: Int, _ window: Int64) -> Int {
            let k = Key(vm: vm, window: window)
            if let r = rowIndex[k] { return r }
            rows.append(Row(vm: vmNames[vm], window: window))
            rowIndex[k] = rows.count - 1
            return rows.count - 1
        }

        /// Ends the CPU's current interval at `t`, split over windows.
        private mutating func close(_ c: Int, at t: Int64) {
            let s = states[c]
            guard s.mode != .unknown, s.mode != .away, t > s.since else { return }
            // An interval longer than the far-jump limit is not believed (the decoder opens a
            // gap at such a jump); it must not become a row per window up to a far-future time.
            guard t - s.since <= EventTime.farJumpNs else { return }
            var a = s.since
            while a < t {
                let i = window(a), b = min(t, (i + 1) * w), r = row(s.vm, i), d = b - a
                rows[r].observedNs += d
                switch s.mode {
                case .guest: rows[r].guestNs += d
                case .hypervisor: rows[r].hypervisorNs += d
                case .preempted: rows[r].preemptedNs += d
                case .unknown, .away: break
                }
                a = b
            }
        }

        public mutating func consume(_ e: Event) {
            let c = Int(e.cpu)
            guard c >= 0, c < states.count else { return }
            let t = e.time
            switch e.kind {
            case .ptVMEntry:
                let v = vm(of: UInt64(bitPattern: e.a))
                let s = states[c]
                let base = UInt64(bitPattern: e.a)
                if s.mode == .away || s.mode == .preempted, s.returnAt >= 0, processCR3[base].map({ $0 == s.returnCR3 }) ?? true {
                    // The VM's process was loaded back (a vCPU thread switched in) and entered:
                    // from that CR3 write, host mode of this VM again.
                    close(c, at: s.returnAt)
                    states[c].vm = v
                    states[c].mode = .hypervisor
                    states[c].since = s.returnAt
                }
                close(c, at: t)
                rows[row(v, window(t))].entries += 1
                states[c] = CPUState(mode: .guest, vm: v, since: t, runStart: t)
            case .ptGuestProcessSwitch:
                guard states[c].mode == .guest else { return }
                close(c, at: t)
                states[c].since = t
                rows[row(states[c].vm, window(t))].guestSwitches += 1
            case .ptVMExit:
                close(c, at: t)
                let v = vm(of: UInt64(bitPattern: e.a))
                if states[c].mode == .guest {
                    let r = row(v, window(t))
                    rows[r].runs += 1
                    rows[r].runNs += t - states[c].runStart
                }
                states[c] = CPUState(mode: .hypervisor, vm: v, since: t, runStart: 0, exitCR3: UInt64(bitPattern: e.b))
                processCR3[UInt64(bitPattern: e.a)] = UInt64(bitPattern: e.b)
            case .ptHostProcessSwitch:
                let s = states[c]
                guard s.mode == .hypervisor || s.mode == .preempted || s.mode == .away else { return }
                // A write in a VM's host mode is its thread leaving; any other may be a VM's
                // process coming back (decided at the next VM entry).
                states[c].returnAt = s.mode == .hypervisor ? -1 : t
                states[c].returnCR3 = UInt64(bitPattern: e.b)
                let other = UInt64(bitPattern: e.b) != s.exitCR3
                let next: Mode = other ? .preempted : .away
                if next != s.mode {
                    close(c, at: t)
                    states[c].mode = next
                    states[c].since = t
                }
            case .ptGap:
                close(c, at: t)
                states[c] = CPUState()
            default: break
            }
        }

        /// The rows, sorted by (vm, window).
        public func finish() -> PTWindowFeatures {
            let sorted = rows.sorted { ($0.vm, $0.window) < ($1.vm, $1.window) }
            return PTWindowFeatures(windowNs: w, rows: sorted)
        }
    }
}
