import ArgumentParser
import Diagnosis
import Features
import Foundation
import HostModel
import Recording

extension FeaturesCommand {
    /// `features TRACE -o lake/host=NAME/`: the host's partition of a data lake (`LakePartition`),
    /// with the windows the classifier leaves out (from the trace's evidence) marked.
    func writePartition(_ output: String, recording: Recording, windowNs: Int64, labels: Labels?, configuration: HostModelConfiguration) throws {
        guard !options.json else { throw ValidationError("--json: a lake partition is CSV with table.json; give a file name for JSON") }
        let features = try TraceFeatures.read(recording, windowNs: windowNs, labels: labels, reading: configuration.reading)
        if let analysis = features.analysis { options.warnUnusedNames(configuration, analysis: analysis) }
        for w in labels?.warnings(vmNames: features.vmNames) ?? [] { warn("\(self.labels!): \(w)") }
        let host = LakePartition.host(forFolder: output)
        let partition = LakePartition(host: host, table: features.table,
                                      leftOut: labels == nil ? [] : Trainer.saturatorWindows(features))
        Supervisor.temporary(for: URL(fileURLWithPath: output).standardizedFileURL.path)
        try partition.write(to: output)
        let d = partition.description
        print("host \(host): \(d.rows) rows (\(d.labeledRows) labeled, \(d.leftOutRows) left out of the classifier), schema \(d.schemaID); groups \(d.groups.joined(separator: ", ")); absent \(d.absentGroups.joined(separator: ", ")); table \(d.tableSchemaID) in \(output)")
    }
}
