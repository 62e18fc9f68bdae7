/// One diagnosed period: when, what kind, why (both key lists), who, and what to do.
public struct PeriodReport: Sendable, Codable, Equatable {
    public var period: InterferencePeriod
    public var frequentKeys: [KeyCount]
    public var overRepresentedKeys: [KeyScore]
    public var culprit: Culprit
    public var action: Action
}

/// Turns window scores and the trace's evidence into explained periods (issue #6).
public struct Diagnoser: Sendable {
    public var detector: PeriodDetector
    public var ranker: RootCauseRanker
    public var finder: CulpritFinder

    public init(detector: PeriodDetector = .init(), ranker: RootCauseRanker = .init(), finder: CulpritFinder = .init()) {
        self.detector = detector
        self.ranker = ranker
        self.finder = finder
    }

    public func diagnose(scores: [WindowScore], evidence: [WindowEvidence]) -> [PeriodReport] {
        let periods = detector.periods(scores)
        let byVM = Dictionary(grouping: evidence, by: \.vm)
        return periods.map { period in
            let windows = byVM[period.vm] ?? []
            let inside = windows.filter { $0.startNs >= period.startNs && $0.endNs <= period.endNs }
            let otherPeriods = periods.filter { $0.vm == period.vm }
            let quiet = windows.filter { w in !otherPeriods.contains { w.endNs > $0.startNs && w.startNs < $0.endNs } }
            let (frequent, over) = ranker.rank(period: inside, quiet: quiet)
            let culprit = finder.culprit(of: period, windows: inside)
            return PeriodReport(period: period, frequentKeys: frequent, overRepresentedKeys: over, culprit: culprit,
                                action: ActionAdvisor.action(for: period, culprit: culprit))
        }
    }
}
