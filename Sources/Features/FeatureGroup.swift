import HostModel
import TraceIngest

/// A family of feature columns that exists only when the trace has the events behind it
/// (DESIGN.md "Feature groups"). An absent group's columns are absent, never zero.
public enum FeatureGroup: String, CaseIterable, Sendable, Codable {
    case sched, kvm, block, qemu, net, pt

    /// The columns of the group, in schema order (`FeatureColumn.all`).
    public var featureColumns: [FeatureColumn] { FeatureColumn.byGroup[self] ?? [] }

    /// Their names (`<group>_<metric>`).
    public var columns: [String] { featureColumns.map(\.name) }

    /// The groups a trace supports, from the event kinds that occurred in it.
    public static func present(in kinds: Set<EventKind>) -> [FeatureGroup] {
        var groups: [FeatureGroup] = []
        if kinds.contains(.schedSwitch) { groups.append(.sched) }
        if kinds.contains(.kvmEntry) || kinds.contains(.kvmExit) { groups.append(.kvm) }
        if kinds.contains(.blockRqIssue) { groups.append(.block) }
        if kinds.contains(.qemuThreadPoolSubmit) { groups.append(.qemu) }
        if kinds.contains(.netDevXmit) || kinds.contains(.netIfReceiveSkb) || kinds.contains(.netDevQueue) {
            groups.append(.net)
        }
        if kinds.contains(.ptVMEntry) { groups.append(.pt) }
        return groups
    }
}
