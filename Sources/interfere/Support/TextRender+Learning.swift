import Diagnosis
import Foundation
import Learning

extension TextRender {
    static func model(_ m: InterferenceModel, path: String) -> String {
        var out = "model \(path) (format \(m.format)), trained on \(m.training.datasets.count) datasets, seed \(m.training.seed)\n"
        out += "  rows per class: " + m.training.rowsPerClass.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        for v in m.variants {
            out += "variant \(v.name): schema \(v.schemaID), \(v.featureNames.count) features, window \(v.windowNs / 1_000_000) ms, needs \(v.requiredPrefixes.map { String($0.dropLast()) }.joined(separator: "+"))\n"
            out += "  clusters: \(v.clusterNames.enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: ", "))\n"
            out += "  classes: \(v.classes.joined(separator: ", "))\n"
            out += "  metrics: " + v.metrics.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.3f", $0.value))" }.joined(separator: ", ") + "\n"
        }
        return out
    }

    static func score(_ r: ScoreReport, windows: Bool) -> String {
        var out = "trace \(r.trace): model variant \(r.variant) (schema \(r.schemaID)), feature groups \(r.featureGroups.joined(separator: ", "))\n"
        if !r.absentColumns.isEmpty { out += "  \(r.absentColumns.count) model features absent from this trace, taken at their training mean\n" }
        for vm in r.vms {
            let shares = vm.categoryShares.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.key) \(String(format: "%.0f", 100 * $0.value))%" }.joined(separator: ", ")
            out += "\nVM \(vm.vm): \(vm.category) (\(shares))\n"
            if vm.periods.isEmpty { out += "  no interference period\n" }
            for p in vm.periods {
                let start = seconds(p.period.startNs), end = seconds(p.period.endNs)
                out += "  period \(start) s – \(end) s: \(p.period.kind.rawValue) interference, mean P \(String(format: "%.2f", p.period.meanProbability)) over \(p.period.windows) windows\n"
                out += "    most frequent: " + p.frequentKeys.map { "\($0.key) (\($0.count))" }.joined(separator: ", ") + "\n"
                out += "    over-represented: " + p.overRepresentedKeys.map { "\($0.key) (x\(String(format: "%.1f", $0.ratio)))" }.joined(separator: ", ") + "\n"
                out += "    culprit: \(p.culprit.name ?? "none stands out") — \(p.culprit.evidence)\n"
                out += "    action: \(p.action.summary) (\(p.action.detail))\n"
            }
            if windows {
                for w in vm.windows { out += "    window \(seconds(w.startNs)) P \(String(format: "%.2f", w.probability)) \(w.kind.rawValue)\n" }
            }
        }
        return out
    }

    static func evaluation(_ e: Evaluation) -> String {
        var out = "model variant \(e.variant)\n"
        out += "\(pad("dataset", 22)) \(lpad("windows", 8)) \(lpad("P", 6)) \(lpad("R", 6)) \(lpad("F1", 6)) \(lpad("base F1", 8)) \(lpad("ARI", 6)) \(lpad("per.F1", 7)) \(lpad("culprit", 8)) \(lpad("cause3", 7))\n"
        for s in e.perDataset + [e.overall] {
            out += "\(pad(s.dataset, 22)) \(lpad("\(s.windows)", 8)) \(lpad(fmt(s.windowPrecision), 6)) \(lpad(fmt(s.windowRecall), 6)) \(lpad(fmt(s.windowF1), 6)) \(lpad(fmt(s.baselineF1), 8)) \(lpad(fmt(s.categoryARI), 6)) \(lpad(fmt(s.periodF1), 7)) \(lpad(fmt(s.culpritAccuracy), 8)) \(lpad(fmt(s.causeInTop3), 7))\n"
        }
        return out
    }
}
