import AtomicOutput
import Diagnosis
import Features
import Foundation
import HostModel
import Learning
import Recording
import TraceIngest

/// Makes the `ReportDocument` of a CTF trace or an Intel PT capture (`build`): in one pass the
/// features and evidence (as `score` reads them), the activity timelines beside them, then the
/// model's verdict.
public struct ReportBuilder {
    /// At most this many columns per VM timeline (windows are merged beyond).
    public var maxColumns = 400
    /// At most this many bins per CPU lane and per thread lane.
    public var maxBins = 1000
    /// At most this many I/O threads drawn per VM (the most active), besides vCPUs and vhost.
    public var maxIOThreads = 8
    /// A folder for private temporary files (removed at once: nothing is left in it): a trace's
    /// feature rows and evidence wait there instead of in memory, so memory does not grow with
    /// the trace's length. Nil: they stay in memory.
    public var spool: URL?

    public init() {}

    /// Reads `recording` (whose source — CTF trace or PT capture — is already decided), scores it
    /// with `model` when given (nil: the report says it was not scored). A trace is read with its
    /// side files, the model's window and `reading`.
    public func build(_ recording: Recording, reading: ReadingOptions = .init(),
                      model: InterferenceModel?, diagnoser: Diagnoser = .init()) throws -> ReportDocument {
        switch recording.source {
        case .trace:
            let configuration = try recording.configuration(windowNs: model?.training.windowNs ?? 100_000_000, reading: reading)
            return try buildTrace(path: recording.path, location: recording.traceLocation(), configuration: configuration,
                                  model: model, diagnoser: diagnoser)
        case .ptCapture:
            return try buildPT(capture: URL(fileURLWithPath: recording.path), model: model, diagnoser: diagnoser)
        }
    }

    /// The report of a CTF trace.
    func buildTrace(path: String, location: TraceLocation, configuration: HostModelConfiguration,
                    model: InterferenceModel?, diagnoser: Diagnoser) throws -> ReportDocument {
        let recorder = ActivityRecorder(capacity: maxBins)
        var configuration = configuration
        configuration.recordsStateChanges = true
        let features = try TraceFeatures.read(location: location, configuration: configuration, labels: nil, spool: spool,
                                              onEvent: { recorder.consume($0, model: $1) })
        if let last = features.analysis?.inventory.lastTimeNs { recorder.finish(endNs: last) }
        var notScored: String?
        var score: ScoreReport?
        if let model {
            if features.rowCount == 0 {
                notScored = "Not scored: the trace has no VM window to score."
            } else {
                do { score = try Scorer(model: model, diagnoser: diagnoser).score(path: path, features: features) }
                // The spool failing (a full disk) is an error of the run, not a verdict on the trace.
                catch let failure as PrivateTemporaryFile.Failure { throw failure }
                catch { notScored = "Not scored: \(error)" }
            }
        } else {
            notScored = "Not scored: no model was given."
        }
        return try document(path: path, features: features, recorder: recorder, score: score, notScored: notScored)
    }

    func document(path: String, features: TraceFeatures, recorder: ActivityRecorder,
                  score: ScoreReport?, notScored: String?) throws -> ReportDocument {
        let analysis = features.analysis!
        let inventory = analysis.inventory
        let registry = analysis.model.registry
        let origin = inventory.firstTimeNs ?? 0
        let end = inventory.lastTimeNs ?? origin
        let splits = analysis.hasKVMEvents
        var missing: [String] = []
        if registry.vms.isEmpty {
            missing.append("No virtual machine in this trace: no QEMU process with `CPU n/KVM` or `CPU n/TCG` threads and no thread issuing kvm entry/exit, so there is nothing to show per VM.")
        } else if !splits {
            missing.append("No kvm entry/exit events in this trace (a perf recording, or guests under software emulation): guest and hypervisor time cannot be told apart, so the timelines show them together as running.")
        }
        if !analysis.model.seenKinds.contains(.schedSwitch) {
            missing.append("No sched_switch events: there is no resource view and no process flow.")
        }
        if inventory.discardedEvents > 0 {
            missing.append("The tracer discarded \(inventory.discardedEvents) events (\(inventory.discardedPackets) packets): lanes may hold stretches that are wrong or blank.")
        }
        if let notScored { missing.append(notScored) }

        let cpus = resourceLanes(recorder: recorder, registry: registry)
        let timelines = try timelines(features: features, score: score, splits: splits)
        var vms: [ReportDocument.VM] = []
        for (index, vm) in registry.vms.enumerated() {
            let scored = score?.vms.first { $0.vm == vm.name }
            var view = ReportDocument.VM(name: vm.name, pid: vm.pid, index: index, category: scored?.category,
                                         categoryShares: (scored?.categoryShares ?? [:]).sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) },
                                         columns: [], rates: [], periods: scored?.periods ?? [], threads: [], threadsLeftOut: 0)
            if let timeline = timelines.byVM[vm.name] {
                view.columns = timeline.columns
                for (rate, made) in zip(timelines.rates, timeline.rates) where made.any {
                    view.rates.append(.init(name: rate.name, unit: rate.unit, values: made.values))
                }
            }
            (view.threads, view.threadsLeftOut) = threadLanes(vm: index, recorder: recorder, analysis: analysis)
            vms.append(view)
        }
        let summary = ReportDocument.Summary(
            trace: path, hostname: inventory.hostname, tracer: inventory.tracer,
            spanNs: end - origin, events: inventory.totalEvents, discardedEvents: inventory.discardedEvents,
            discardedPackets: inventory.discardedPackets, cpus: inventory.eventsByCPU.count,
            featureGroups: features.table.schema.groups.map(\.rawValue), modelVariant: score?.variant)
        return ReportDocument(summary: summary, originNs: origin, endNs: end, splitsGuest: splits, missing: missing,
                              cpus: cpus, vms: vms, detector: score?.detector)
    }

    /// Per VM name, its timeline columns and rates, from two passes of the rows (in memory or read
    /// back from the spool): one counting each VM's rows (the size of the runs merged into one
    /// column depends on it), one merging them as they go by; and the rates the trace has the
    /// columns of, in `rates` order.
    func timelines(features: TraceFeatures, score: ScoreReport?, splits: Bool)
        throws -> (byVM: [String: VMTimeline], rates: [(name: String, unit: String)]) {
        let schema = features.table.schema
        var counts: [String: Int] = [:]
        try features.forEachRow { counts[$0.vm, default: 0] += 1 }
        typealias C = FeatureColumn
        func at(_ column: FeatureColumn) -> Int? { schema.columns.firstIndex(of: column.name) }
        // A column the trace lacks reads 0; without kvm events guest + hypervisor is running.
        let states: [Int?] = splits ? [at(.kvmGuestShare), at(.kvmHypervisorShare), at(.schedPreemptedShare), at(.schedWaitingShare), at(.schedIdleShare)]
            : [nil, at(.schedRunningShare), at(.schedPreemptedShare), at(.schedWaitingShare), at(.schedIdleShare)]
        let present = Self.rates.filter { $0.2.allSatisfy { schema.columns.contains($0.name) } }
        let rateParts = present.map { rate in (rate.2.map { at($0)! }, rate.3) }
        var byVM: [String: VMTimeline] = [:]
        for (vm, rows) in counts {
            byVM[vm] = VMTimeline(rows: rows, maxColumns: maxColumns, windows: score?.vms.first { $0.vm == vm }?.windows ?? [],
                                  rateCount: present.count)
        }
        try features.forEachRow { row in
            byVM[row.vm]!.push(startNs: row.startNs, endNs: row.endNs, states: states.map { $0.map { row.values[$0] } ?? 0 },
                               rates: rateParts.map { parts, scale in parts.reduce(0) { $0 + row.values[$1] } * scale })
        }
        for vm in byVM.keys { byVM[vm]!.finish() }
        return (byVM, present.map { ($0.0, $0.1) })
    }

    /// (title, unit, feature columns summed, scale).
    static let rates: [(String, String, [FeatureColumn], Double)] = [
        ("disk throughput", "MB/s", [.blockReadBytesPerSecond, .blockWriteBytesPerSecond], 1e-6),
        ("disk latency", "ms", [.blockLatencyMean], 1),
        ("network transmit", "MB/s", [.netTxBytesPerSecond], 1e-6),
        ("network receive", "MB/s", [.netRxBytesPerSecond], 1e-6),
        ("queue → transmit wait", "ms", [.netXmitWaitMean], 1),
    ]

    /// Merges runs of `group` columns: mean shares, the highest probability and its kind.
    static func merge(_ columns: [ReportDocument.Column], by group: Int) -> [ReportDocument.Column] {
        guard group > 1 else { return columns }
        return stride(from: 0, to: columns.count, by: group).map { s in
            let part = columns[s..<min(columns.count, s + group)]
            let states = (0..<5).map { k in part.reduce(0) { $0 + $1.states[k] } / Double(part.count) }
            let top = part.max { a, b in (a.probability.isNaN ? -1 : a.probability) < (b.probability.isNaN ? -1 : b.probability) }!
            return .init(startNs: part.first!.startNs, endNs: part.last!.endNs, states: states,
                         probability: top.probability, kind: top.kind, windows: part.count)
        }
    }

    func resourceLanes(recorder: ActivityRecorder, registry: ThreadRegistry) -> [ReportDocument.Lane] {
        guard let bins = recorder.bins else { return [] }
        var names: [Int32: (label: String, style: String)] = [:]
        func who(_ tid: Int32) -> (label: String, style: String) {
            if let n = names[tid] { return n }
            let style: String
            switch registry.role(of: tid) {
            case .idle: style = "idle"
            case .vcpu(let vm, _), .vhost(let vm), .ioThread(let vm): style = "vm-\(vm)"
            case .kernel: style = "kernel"
            default: style = "host"
            }
            let n = (tid == 0 ? "idle" : registry.culpritName(of: tid), style)
            names[tid] = n
            return n
        }
        let maker = LaneSegments(bins: bins, blank: "idle")
        return recorder.cpuBins.keys.sorted().map { cpu in
            let lane = recorder.cpuBins[cpu]!
            return .init(name: cpu >= 0 ? "CPU \(cpu)" : "unknown CPU", segments: maker.segments(count: lane.count) { i in
                var byName: [String: (style: String, ns: Int64)] = [:]
                for (tid, ns) in lane[i] { let w = who(tid); byName[w.label, default: (w.style, 0)].ns += ns }
                return byName.map { ($0.key, $0.value.style, $0.value.ns) }
            })
        }
    }

    func threadLanes(vm: Int, recorder: ActivityRecorder, analysis: HostAnalysis) -> ([ReportDocument.Lane], Int) {
        guard let bins = recorder.bins else { return ([], 0) }
        let registry = analysis.model.registry
        let identity = registry.vms[vm]
        let k = VCPUState.allCases.count
        let splits = analysis.hasKVMEvents
        func active(_ tid: Int32) -> Int64 {
            guard let lane = recorder.threadBins[tid] else { return 0 }
            return stride(from: 0, to: lane.count, by: k).reduce(0) { $0 + lane[$1] + lane[$1 + 1] }
        }
        let vcpus = identity.vcpus.sorted { $0.vcpu < $1.vcpu }.map(\.tid)
        let vhost = identity.vhostTids.sorted()
        let io = registry.threads.values.filter { $0.vm == vm && $0.vcpu < 0 && !identity.vhostTids.contains($0.tid) }
            .map(\.tid).filter { recorder.threadBins[$0] != nil }
            .sorted { active($0) != active($1) ? active($0) > active($1) : $0 < $1 }
        let drawnIO = Array(io.prefix(maxIOThreads))
        let maker = LaneSegments(bins: bins)
        var lanes: [ReportDocument.Lane] = []
        for tid in vcpus + vhost + drawnIO {
            let isVCPU = vcpus.contains(tid)
            let comm = registry.info(tid).map { analysis.model.strings[$0.comm] } ?? ""
            let lane = recorder.threadBins[tid] ?? []
            let names = VCPUState.allCases.map { s -> String in
                if s == .hypervisor { return isVCPU && splits ? "hypervisor" : "running" }
                return s.name
            }
            lanes.append(.init(name: "\(comm.isEmpty ? "thread" : comm) (\(tid))", segments: maker.segments(count: lane.count / k) { i in
                (0..<k).map { (names[$0], names[$0], lane[i * k + $0]) }
            }))
        }
        return (lanes, io.count - drawnIO.count)
    }
}
