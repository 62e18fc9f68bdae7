import Features
import Foundation
import HostModel
import Recording
import TraceIngest

/// A labeled real recording's feature table (100 ms windows, side files read), with the means the
/// recordings' README facts are stated in. Used by `RealRecordingTests` (../shared) and
/// `DatasetsRealTests` (datasets/real).
struct LabeledRecording {
    let table: FeatureTable
    let labels: Labels

    init(folder: URL) throws {
        labels = try Labels(path: folder.appendingPathComponent("labels.csv").path)
        let names = try SideFiles.vmNames(at: folder.appendingPathComponent("vm-names.csv").path)
        let threads = try SideFiles.threads(at: folder.appendingPathComponent("threads.csv").path)
        let configuration = HostModelConfiguration(windowNs: 100_000_000, vmNames: names, knownThreads: threads)
        table = try FeatureBuilder(configuration: configuration, labels: labels).build(location: TraceLocation(path: folder.path)).table
    }

    /// Mean of a column over the VM's windows lying wholly inside its label row `phase`.
    func mean(_ column: String, vm: String, phase: Int) -> Double {
        let row = labels.rows.filter { $0.vm == vm }[phase]
        let i = table.schema.columns.firstIndex(of: column)!
        let values = table.rows.filter { $0.vm == vm && $0.startNs >= row.startNs && $0.endNs <= row.endNs }.map { $0.values[i] }
        return values.reduce(0, +) / Double(max(1, values.count))
    }

    /// The culprit of the label that covers the VM's windows of `phase`.
    func culprit(vm: String, phase: Int) -> String? {
        let row = labels.rows.filter { $0.vm == vm }[phase]
        return table.rows.first { $0.vm == vm && $0.startNs >= row.startNs && $0.endNs <= row.endNs }?.label?.culprit
    }
}
