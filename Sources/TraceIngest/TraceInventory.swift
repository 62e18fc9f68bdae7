/// What is in a trace, independent of any analysis: where it came from, its span, and how many
/// events of each class and on each CPU, plus what the tracer lost.
public struct TraceInventory: Sendable, Codable, Equatable {
    /// One event class name and how many events of it were read.
    public struct NameCount: Sendable, Codable, Equatable {
        public var name: String
        public var count: Int
    }

    /// One CPU (`cpu_id` of the packet context) and how many events were read on it.
    public struct CPUCount: Sendable, Codable, Equatable {
        public var cpu: Int
        public var count: Int
    }

    public var path: String
    public var traceDirectories: [String]
    /// `hostname` (LTTng) or `host` (perf) from the trace environment.
    public var hostname: String?
    /// `tracer_name` with `tracer_major.tracer_minor` when present.
    public var tracer: String?
    public var firstTimeNs: Int64?
    public var lastTimeNs: Int64?
    public var totalEvents: Int
    /// Counts by event class name, descending by count then by name.
    public var eventsByName: [NameCount]
    /// Counts by CPU, ascending by CPU; events without a `cpu_id` are under -1.
    public var eventsByCPU: [CPUCount]
    /// Sum of the counts of discarded-events messages (events the tracer lost).
    public var discardedEvents: Int
    /// Sum of the counts of discarded-packets messages.
    public var discardedPackets: Int
    /// Events left out as a lone far-future timestamp (`FarFutureHold`); nil when none.
    public var farFutureEvents: Int?

    public var durationNs: Int64? {
        guard let first = firstTimeNs, let last = lastTimeNs else { return nil }
        return last - first
    }

    /// The count for one event class name (0 when absent).
    public func count(of name: String) -> Int {
        eventsByName.first { $0.name == name }?.count ?? 0
    }
}
