import Features
import HostModel
import Learning
import Recording

/// `interfere evaluate`: the model and the 2-sigma baseline against the labels of datasets.
public struct Evaluation: Sendable, Codable {
    /// Scores of one dataset (or of all together).
    public struct Scores: Sendable, Codable {
        public var dataset: String
        public var windows: Int
        public var windowPrecision: Double
        public var windowRecall: Double
        public var windowF1: Double
        public var baselinePrecision: Double
        public var baselineRecall: Double
        public var baselineF1: Double
        public var categoryARI: Double
        public var labeledPeriods: Int
        public var detectedPeriods: Int
        public var periodPrecision: Double
        public var periodRecall: Double
        public var periodF1: Double
        /// Labeled periods matched by a detected one whose culprit is the labeled culprit.
        public var culpritAccuracy: Double
        /// Matched periods whose labeled culprit appears in one of the top three over-represented keys.
        public var causeInTop3: Double
    }

    public var variant: String
    public var perDataset: [Scores]
    public var overall: Scores
}

/// Scores datasets with a model and compares with their labels (issue #5 and #6 metrics).
public struct Evaluator {
    public var scorer: Scorer

    public init(scorer: Scorer) { self.scorer = scorer }

    /// `warning` is told each doubt about a dataset's labels (`Dataset.labelWarnings`).
    public func evaluate(datasets: [Dataset], progress: ((String) -> Void)? = nil,
                         warning: ((String) -> Void)? = nil) throws -> Evaluation {
        var all: [Item] = []
        var perDataset: [Evaluation.Scores] = []
        var variant = ""
        for dataset in datasets {
            progress?("scoring \(dataset.path)")
            let (features, labels) = try dataset.read(windowNs: scorer.model.training.windowNs)
            dataset.labelWarnings(labels, features: features).forEach { warning?($0) }
            let report = try scorer.score(path: dataset.path, features: features)
            variant = report.variant
            let item = Item(name: dataset.name, features: features, report: report, labels: labels)
            perDataset.append(item.scores(baseline: SigmaBaseline.cpuContention))
            all.append(item)
        }
        return Evaluation(variant: variant, perDataset: perDataset, overall: Item.combined(all, baseline: SigmaBaseline.cpuContention))
    }

    struct Item {
        var name: String
        var features: TraceFeatures
        var report: ScoreReport
        var labels: Labels

        struct Counts {
            var predicted: [Bool] = [], actual: [Bool] = [], baseline: [Bool] = []
            var clusters: [String] = [], workloads: [String] = []
            var labeledPeriods = 0, detectedPeriods = 0, matchedLabeled = 0, matchedDetected = 0
            var culpritRight = 0, causeRight = 0
        }

        func counts(baseline: SigmaBaseline) -> Counts {
            var c = Counts()
            let table = features.table
            let flags = baseline.predict(Matrix(rows: table.rows.count, columns: table.schema.columns.count, data: table.rows.flatMap(\.values)),
                                         featureNames: table.schema.columns, groups: table.rows.map(\.vm))
            for vm in report.vms {
                for w in vm.windows {
                    guard let i = table.rows.firstIndex(where: { $0.vm == w.vm && $0.startNs == w.startNs }),
                          let label = table.rows[i].label else { continue }
                    c.predicted.append(w.probability >= 0.5)
                    c.actual.append(label.interference != InterferenceKind.none)
                    c.baseline.append(flags[i])
                    c.workloads.append(label.workload.rawValue)
                    c.clusters.append(categoryOf(vm: vm, window: w))
                }
            }
            // Periods: a detected period matches a labeled one when they overlap by at least half of the shorter.
            let labeled = labels.rows.filter { $0.interference != InterferenceKind.none }
            let detected = report.vms.flatMap(\.periods)
            c.labeledPeriods = labeled.count
            c.detectedPeriods = detected.count
            func matches(_ l: LabelRow, _ d: PeriodReport) -> Bool {
                guard l.vm == d.period.vm else { return false }
                let overlap = min(l.endNs, d.period.endNs) - max(l.startNs, d.period.startNs)
                return overlap > 0 && Double(overlap) >= 0.5 * Double(min(l.endNs - l.startNs, d.period.endNs - d.period.startNs))
            }
            for l in labeled {
                let found = detected.filter { matches(l, $0) }
                guard !found.isEmpty else { continue }
                c.matchedLabeled += 1
                if found.contains(where: { $0.culprit.name == l.culprit }) { c.culpritRight += 1 }
                if found.contains(where: { $0.overRepresentedKeys.prefix(3).contains { $0.key.hasSuffix(" \(l.culprit)") } }) { c.causeRight += 1 }
            }
            c.matchedDetected = detected.filter { d in labeled.contains { matches($0, d) } }.count
            return c
        }

        func categoryOf(vm: VMScore, window: WindowScore) -> String {
            guard let i = vm.windows.firstIndex(of: window) else { return "?" }
            return vm.windowCategories.indices.contains(i) ? vm.windowCategories[i] : vm.category
        }

        func scores(baseline: SigmaBaseline) -> Evaluation.Scores {
            Self.combined([self], baseline: baseline, name: name)
        }

        /// Names as small integers, by first appearance.
        static func ids(_ names: [String]) -> [Int] {
            var seen: [String: Int] = [:]
            return names.map { name in
                if let id = seen[name] { return id }
                seen[name] = seen.count
                return seen.count - 1
            }
        }

        static func combined(_ items: [Item], baseline: SigmaBaseline, name: String = "all") -> Evaluation.Scores {
            var total = Counts()
            for item in items {
                let c = item.counts(baseline: baseline)
                total.predicted += c.predicted; total.actual += c.actual; total.baseline += c.baseline
                total.clusters += c.clusters
                total.workloads += c.workloads
                total.labeledPeriods += c.labeledPeriods; total.detectedPeriods += c.detectedPeriods
                total.matchedLabeled += c.matchedLabeled; total.matchedDetected += c.matchedDetected
                total.culpritRight += c.culpritRight; total.causeRight += c.causeRight
            }
            let m = Metrics.precisionRecallF1(predicted: total.predicted, actual: total.actual)
            let b = Metrics.precisionRecallF1(predicted: total.baseline, actual: total.actual)
            let pp = total.detectedPeriods > 0 ? Double(total.matchedDetected) / Double(total.detectedPeriods) : (total.labeledPeriods == 0 ? 1 : 0)
            let pr = total.labeledPeriods > 0 ? Double(total.matchedLabeled) / Double(total.labeledPeriods) : 1
            return Evaluation.Scores(
                dataset: name, windows: total.actual.count,
                windowPrecision: m.precision, windowRecall: m.recall, windowF1: m.f1,
                baselinePrecision: b.precision, baselineRecall: b.recall, baselineF1: b.f1,
                categoryARI: Metrics.adjustedRandIndex(ids(total.clusters), ids(total.workloads)),
                labeledPeriods: total.labeledPeriods, detectedPeriods: total.detectedPeriods,
                periodPrecision: pp, periodRecall: pr, periodF1: pp + pr > 0 ? 2 * pp * pr / (pp + pr) : 0,
                culpritAccuracy: total.labeledPeriods > 0 ? Double(total.culpritRight) / Double(total.labeledPeriods) : 1,
                causeInTop3: total.labeledPeriods > 0 ? Double(total.causeRight) / Double(total.labeledPeriods) : 1)
        }
    }
}
