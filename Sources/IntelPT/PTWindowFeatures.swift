import Foundation
import TraceIngest

/// The PT feature group per (VM, window): shares of guest / hypervisor / host-preemption time,
/// entry and guest-switch rates, mean guest run. Windows are [i*w, (i+1)*w) with i = floor(t/w).
/// Times per CPU (`PTStateMachine`, shared with `PTStats`), attributed to the VM of the VMCS:
/// guest = VM entry → exit; hypervisor = exit → the first host CR3 write (PIP), VM entry or gap
/// (after a host CR3 write the vCPU's thread is off the CPU: preemption or idle, not hypervisor
/// work); host preemption = while a host CR3 other than the one at the exit is loaded, until the
/// next VM entry or gap. Denominators are the
/// vCPU time observed in the window (guest + hypervisor + host preemption): time inside a gap is
/// never observed (state is reset at a gap), so it is excluded rather than bridged. The `pt`
/// feature columns, their order, units and roles are defined once in the Features registry
/// (`FeatureColumn.all`), which reads these rows' values.
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
    }
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

    /// Streaming form: `consume` events (time-ordered per CPU), then `finish`. The times come from
    /// `PTStateMachine`; this sink splits them over windows.
    public struct Accumulator: PTEventSink {
        private var machine: PTStateMachine<Rows>

        public init(sidecar: PTSidecar, windowNs: Int64) {
            machine = PTStateMachine(cpuCount: sidecar.cpuCount, sink: Rows(sidecar: sidecar, windowNs: windowNs))
        }

        public mutating func consume(_ e: Event) { machine.consume(e) }

        /// The rows, sorted by (vm, window).
        public func finish() -> PTWindowFeatures { machine.sink.finish() }
    }

    /// The `PTTimelineSink` that splits the times over (VM, window) rows.
    struct Rows: PTTimelineSink {
        private struct Key: Hashable { var vm: Int; var window: Int64 }

        private let sidecar: PTSidecar
        private let w: Int64
        private var vmNames: [String] = []
        private var vmIndex: [String: Int] = [:]
        private var vmOfVCPU: [Int] = []        // vCPU → VM
        private var rowIndex: [Key: Int] = [:]
        private var rows: [Row] = []

        init(sidecar: PTSidecar, windowNs: Int64) {
            self.sidecar = sidecar
            w = max(1, windowNs)
        }

        mutating func newVCPU(_ vcpu: Int, vmcs: UInt64) {
            let name = sidecar.vmcs[String(vmcs)]?.vm ?? String(format: "vmcs-%llx", vmcs)
            let i: Int
            if let known = vmIndex[name] { i = known } else {
                vmNames.append(name); i = vmNames.count - 1; vmIndex[name] = i
            }
            vmOfVCPU.append(i)
        }

        private func window(_ t: Int64) -> Int64 { t >= 0 ? t / w : (t - w + 1) / w }

        private mutating func row(_ vm: Int, _ window: Int64) -> Int {
            let k = Key(vm: vm, window: window)
            if let r = rowIndex[k] { return r }
            rows.append(Row(vm: vmNames[vm], window: window))
            rowIndex[k] = rows.count - 1
            return rows.count - 1
        }

        mutating func interval(_ mode: PTMode, cpu: Int, vcpu: Int, from: Int64, to: Int64) {
            // An interval longer than the far-jump limit is not believed (the decoder opens a
            // gap at such a jump); it must not become a row per window up to a far-future time.
            guard to - from <= EventTime.farJumpNs else { return }
            let vm = vmOfVCPU[vcpu]
            var a = from
            while a < to {
                let i = window(a), b = min(to, (i + 1) * w), r = row(vm, i), d = b - a
                rows[r].observedNs += d
                switch mode {
                case .guest: rows[r].guestNs += d
                case .hypervisor: rows[r].hypervisorNs += d
                case .preempted: rows[r].preemptedNs += d
                case .unknown, .away: break
                }
                a = b
            }
        }

        mutating func entry(cpu: Int, vcpu: Int, guestCR3: UInt64, at t: Int64) {
            rows[row(vmOfVCPU[vcpu], window(t))].entries += 1
        }

        mutating func guestSwitch(cpu: Int, vcpu: Int, guestCR3: UInt64, at t: Int64) {
            rows[row(vmOfVCPU[vcpu], window(t))].guestSwitches += 1
        }

        mutating func exit(cpu: Int, vcpu: Int, run: Int64?, at t: Int64) {
            guard let run else { return }
            let r = row(vmOfVCPU[vcpu], window(t))
            rows[r].runs += 1
            rows[r].runNs += run
        }

        mutating func preemption(cpu: Int, vcpu: Int, hostCR3: UInt64) {}
        mutating func gap(cpu: Int, from: Int64, to: Int64) {}

        func finish() -> PTWindowFeatures {
            let sorted = rows.sorted { ($0.vm, $0.window) < ($1.vm, $1.window) }
            return PTWindowFeatures(windowNs: w, rows: sorted)
        }
    }
}
