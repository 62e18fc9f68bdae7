/// What a VM's workload asks for over an interval (DESIGN.md categories): the `workload` column
/// of `labels.csv`, a workload cluster's name (`ClusterNamer`), a simulated phase's category.
///
/// The raw values are the strings every file and output uses (the model file and `score` keep
/// them as strings).
public enum WorkloadCategory: String, CaseIterable, Sendable, Codable {
    case cpu
    case memory
    case disk
    case net
    case idle
    case mixed
}
