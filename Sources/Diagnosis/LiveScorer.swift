import Features
import HostModel
import Learning
import Recording
import TraceIngest

/// What a live scorer says as windows close: a period opened, grew or closed, with its report.
public struct PeriodChange: Sendable, Equatable {
    public enum Change: String, Sendable, Codable { case opened = "open", updated = "update", closed = "close" }
    public var change: Change
    public var report: PeriodReport
    /// For a close: whether `score` lists the period (long enough, not a saturator's); an open or
    /// update is always true.
    public var reported: Bool
}

/// Scores windows as they close, with the same features, model, evidence gate, period detector
/// and diagnosis as `Scorer.score` on a whole table, and says when a period opens, grows and
/// closes (`PeriodChange`).
///
/// Every rule is the batch one applied to what is known so far: a window's score is
/// `Scorer.windowScores` of its rows; the gate is `EvidenceGate.apply` over the VM's last windows
/// (it only looks back `memory` windows); periods are `PeriodDetector.periods` of the windows
/// since the current candidate began (a period opens at its first window ≥ `high`, so an alert
/// comes in the window that shows it, and is final once `mergeGapNs` has passed after its last
/// window); reports are `Diagnoser.diagnose` over the retained windows of every VM. So periods,
/// kinds and culprits are those of `score`, but for two things that would need the future: a
/// window the VM's vCPUs slept through is scored on the windows up to it (`score` also reads the
/// four after it), and the over-represented keys compare the period with the quiet windows of the
/// last `history` windows, not the whole trace.
public final class LiveScorer {
    public let scorer: Scorer
    /// The feature groups of the schema; nil: those whose events were seen so far.
    public let groups: [FeatureGroup]?
    public let windowNs: Int64
    /// Windows of quiet history kept per VM (for the ranker's quiet rate).
    public let history: Int
    /// The latest gated window score of each VM.
    public private(set) var latest: [String: WindowScore] = [:]
    /// Periods opened and not yet closed, by VM.
    public private(set) var open: [String: PeriodReport] = [:]
    /// The model variant that scored the last window.
    public private(set) var variantName: String?

    private let all: FeatureExtractor
    private var loose: Diagnoser
    private var pendingWindows: [VMWindow] = []
    /// Each VM's last windows' values in every column (the past a slept-through window is scored on).
    private var recentValues: [String: [(startNs: Int64, endNs: Int64, values: [Double])]] = [:]
    private var raw: [String: [WindowScore]] = [:]
    private var gated: [String: [WindowScore]] = [:]
    private var evidence: [String: [WindowEvidence]] = [:]
    private var candidate: [String: [WindowScore]] = [:]
    private var vmOrder: [String] = []

    public init(scorer: Scorer, windowNs: Int64, groups: [FeatureGroup]? = nil, history: Int = 300) {
        self.scorer = scorer
        self.groups = groups
        self.windowNs = windowNs
        self.history = max(history, scorer.gate.lookBack)
        all = FeatureExtractor(schema: FeatureSchema(groups: FeatureGroup.allCases, windowNs: windowNs))
        loose = scorer.diagnoser
        loose.detector.minimumNs = 0
    }

    /// A VM's window as the host model closes it (`HostModel.onWindow`).
    public func vmWindow(_ w: VMWindow) {
        guard w.observedEndNs > w.observedStartNs else { return }
        pendingWindows.append(w)
    }

    /// The host window that ends the same window (`HostModel.onHostWindow`): scores the VMs'
    /// windows and returns what changed. `vmNames` are the model's VM names now, `seenKinds` the
    /// event kinds seen so far.
    public func hostWindow(_ h: HostWindow, vmNames: [String], seenKinds: Set<EventKind>) throws -> [PeriodChange] {
        let windows = pendingWindows
        pendingWindows = []
        guard !windows.isEmpty else { return [] }
        let schema = FeatureSchema(groups: groups ?? FeatureGroup.present(in: seenKinds), windowNs: windowNs)
        let keep = schema.columns.map { all.schema.columns.firstIndex(of: $0)! }
        // Each VM's new row follows its last `Scorer.categorySpan / 2` rows (kept with every
        // column, projected on today's schema): a window its vCPUs slept through is scored on the
        // windows up to it, the past being all there is yet (`score` also reads the ones after).
        let past = Scorer.categorySpan / 2
        var rows: [FeatureRow] = [], newRow: [Int] = []
        for w in windows {
            let vm = vmNames[w.vm]
            let values = all.values(for: w)
            for old in recentValues[vm] ?? [] {
                rows.append(FeatureRow(vm: vm, startNs: old.startNs, endNs: old.endNs, values: keep.map { old.values[$0] }, label: nil))
            }
            newRow.append(rows.count)
            rows.append(FeatureRow(vm: vm, startNs: w.startNs, endNs: w.endNs, values: keep.map { values[$0] }, label: nil))
            recentValues[vm, default: []].append((w.startNs, w.endNs, values))
            if recentValues[vm]!.count > past { recentValues[vm]!.removeFirst() }
        }
        let collector = EvidenceCollector()
        for w in windows { collector.vmWindow(w) }
        collector.hostWindow(h)
        try collector.finish(vmNames: vmNames)
        let (variant, allScores, _) = try scorer.windowScores(FeatureTable(schema: schema, rows: rows))
        let scores = newRow.map { allScores[$0] }
        variantName = variant.name
        var changes: [PeriodChange] = []
        for (score, ev) in zip(scores, collector.evidence) {
            let vm = score.vm
            if raw[vm] == nil { vmOrder.append(vm) }
            raw[vm, default: []].append(score)
            evidence[vm, default: []].append(ev)
            let gateSpan = scorer.gate.lookBack
            let recent = scorer.gate.apply(Array(raw[vm]!.suffix(gateSpan)), evidence: Array(evidence[vm]!.suffix(gateSpan)))
            let s = recent.last!
            gated[vm, default: []].append(s)
            latest[vm] = s
            changes += advance(vm: vm, with: s, final: false)
            trim(vm)
        }
        return changes
    }

    /// After the last window: every period still open or waiting for the merge gap closes.
    public func finish() -> [PeriodChange] {
        var changes: [PeriodChange] = []
        for vm in vmOrder { changes += advance(vm: vm, with: nil, final: true) }
        return changes
    }

    /// One VM's candidate period after window `w` (nil: the end).
    private func advance(vm: String, with w: WindowScore?, final: Bool) -> [PeriodChange] {
        let detector = scorer.diagnoser.detector
        var windows = candidate[vm] ?? []
        if let w {
            if windows.isEmpty && w.probability < detector.high { return [] }
            windows.append(w)
        }
        guard !windows.isEmpty else { return [] }
        let spans = loose.detector.periods(windows)
        var done = Array(spans.dropLast())
        var current = spans.last
        if let c = current, final || (w != nil && c.endNs != w!.endNs && w!.endNs - c.endNs >= detector.mergeGapNs) {
            done.append(c)
            current = nil
        }
        var changes: [PeriodChange] = []
        for span in done {
            if let report = report(of: span, strict: true) {
                changes.append(PeriodChange(change: .closed, report: report, reported: true))
            } else if let report = report(of: span, strict: false) ?? open[vm] {
                changes.append(PeriodChange(change: .closed, report: report, reported: false))
            }
            open[vm] = nil
        }
        if let c = current {
            candidate[vm] = windows.filter { $0.startNs >= c.startNs }
            if let w, c.endNs == w.endNs, let report = report(of: c, strict: false) {
                changes.append(PeriodChange(change: open[vm] == nil ? .opened : .updated, report: report, reported: true))
                open[vm] = report
            }
        } else {
            candidate[vm] = []
        }
        return changes
    }

    /// The diagnosis of `span` (found by VM and start) over every VM's retained windows.
    private func report(of span: InterferencePeriod, strict: Bool) -> PeriodReport? {
        let diagnoser = strict ? scorer.diagnoser : loose
        var scores: [WindowScore] = [], windows: [WindowEvidence] = []
        for vm in vmOrder {
            scores += gated[vm] ?? []
            windows += evidence[vm] ?? []
        }
        return diagnoser.diagnose(scores: scores, evidence: windows)
            .first { $0.period.vm == span.vm && $0.period.startNs == span.startNs }
    }

    /// Keeps `history` windows of a VM, and all of its current candidate.
    private func trim(_ vm: String) {
        guard let count = gated[vm]?.count, count > history + 64 else { return }
        var drop = count - history
        if let first = candidate[vm]?.first, let i = gated[vm]!.firstIndex(where: { $0.startNs >= first.startNs }) {
            drop = min(drop, i)
        }
        guard drop > 0 else { return }
        raw[vm]!.removeFirst(drop)
        gated[vm]!.removeFirst(drop)
        evidence[vm]!.removeFirst(drop)
    }
}

/// A live host: events in, as a stream, through the host model into a `LiveScorer`; the period
/// changes go to `onChange` as windows close.
public final class LiveHost {
    public let model: HostModel
    public let scorer: LiveScorer
    public var onChange: ((PeriodChange) -> Void)?
    private var failure: Error?

    public init(model: HostModel, scorer: LiveScorer) {
        self.model = model
        self.scorer = scorer
        model.onWindow = { [unowned self] in self.scorer.vmWindow($0) }
        model.onHostWindow = { [unowned self] h in
            guard self.failure == nil else { return }
            do {
                let names = self.model.registry.vms.map(\.name)
                for change in try self.scorer.hostWindow(h, vmNames: names, seenKinds: self.model.seenKinds) { self.onChange?(change) }
            } catch {
                self.failure = error
            }
        }
    }

    /// One event, in time order. Throws what scoring a window threw (e.g. the model has no
    /// variant for the trace's columns).
    @inline(__always)
    public func consume(_ e: Event) throws {
        model.consume(e)
        if let failure { throw failure }
    }

    /// After the last event: the last window closes, then every open period.
    public func finish() throws {
        model.finish()
        if let failure { throw failure }
        for change in scorer.finish() { onChange?(change) }
    }
}
