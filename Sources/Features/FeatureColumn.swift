import HostModel
import IntelPT

/// What a feature column's number is, which decides how learning treats it: shares (in [0, 1])
/// and counts of vCPUs stay linear; rates, byte counts and latencies are heavy-tailed and are
/// log-transformed before scaling.
public enum FeatureUnit: String, Sendable {
    case count, share, perSecond, bytesPerSecond, milliseconds, microseconds

    /// True when the column is used as it is (not log(1 + x)) before scaling.
    public var staysLinear: Bool { self == .share || self == .count }
}

/// Whether a column describes what the workload asks for (its demand: CPU wanted, exits, I/O
/// made) or what it suffers (time taken by others, waits, latencies). Workload clusters are
/// learned from demand columns only, so a workload keeps its category while it is interfered with.
public enum FeatureRole: String, Sendable {
    case demand, suffering
}

/// One feature column, defined once: its name (`<group>_<metric>`), group, unit, role and how it
/// is computed from a window. The schema, the extractor, the transform and the category rule all
/// read `FeatureColumn.all`; adding a column is one entry here (and its test).
public struct FeatureColumn: Sendable, Hashable, CustomStringConvertible {
    /// Where the value comes from: a host model window (CTF traces) or a PT window row.
    public enum Source: Sendable {
        case window(@Sendable (WindowMeasures) -> Double)
        case pt(@Sendable (PTWindowFeatures.Row) -> Double)
    }

    public let name: String
    public let group: FeatureGroup
    public let unit: FeatureUnit
    public let role: FeatureRole
    public let source: Source

    init(_ name: String, _ group: FeatureGroup, _ unit: FeatureUnit, _ role: FeatureRole, _ source: Source) {
        self.name = name
        self.group = group
        self.unit = unit
        self.role = role
        self.source = source
    }

    public var description: String { name }
    public static func == (a: FeatureColumn, b: FeatureColumn) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// The column of that name, when it is one of Interfere's.
    public static func named(_ name: String) -> FeatureColumn? { byName[name] }

    static let byGroup: [FeatureGroup: [FeatureColumn]] = Dictionary(grouping: all, by: \.group)

    private static let byName: [String: FeatureColumn] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}

/// A window with the denominators every column uses computed once.
public struct WindowMeasures: Sendable {
    public let window: VMWindow
    /// Window length in seconds (never 0).
    public let seconds: Double
    /// vCPU time observed in the window (all states), ns.
    public let vcpuTime: Double
    /// Exits per `ExitGroup`, in `ExitGroup.allCases` order.
    public let exitsByGroup: [Int]

    public init(_ w: VMWindow) {
        window = w
        seconds = max(w.seconds, 1e-9)
        vcpuTime = Double(w.states.total)
        var byGroup = [Int](repeating: 0, count: ExitGroup.allCases.count)
        for (reason, n) in w.exitsByReason {
            byGroup[ExitGroup.allCases.firstIndex(of: reason.group)!] += n
        }
        exitsByGroup = byGroup
    }

    /// A share of the observed vCPU time (0 when none was observed).
    public func share(_ ns: Int64) -> Double { vcpuTime > 0 ? Double(ns) / vcpuTime : 0 }
    /// Per second of window.
    public func rate(_ n: Int) -> Double { Double(n) / seconds }
    public func rate(_ n: Int64) -> Double { Double(n) / seconds }
}
