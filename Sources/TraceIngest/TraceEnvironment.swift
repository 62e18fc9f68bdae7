/// What a trace's environment says of the machine that wrote it, read before its events:
/// `hostname` (LTTng) or `host` (perf CTF), and the tracer. libbabeltrace2 reads the metadata
/// and the first packet of the first stream; no event is decoded.
public struct TraceEnvironment: Sendable, Equatable {
    /// The trace folder.
    public var directory: String
    /// `hostname` or `host`; nil when the environment has neither (or the trace has no stream).
    public var hostname: String?
    /// `tracer_name` with `tracer_major.tracer_minor` when present.
    public var tracer: String?

    public init(directory: String, hostname: String?, tracer: String?) {
        self.directory = directory
        self.hostname = hostname
        self.tracer = tracer
    }

    /// Reads the environment of the trace in `directory` (a folder holding `metadata`); throws
    /// `TraceError.unreadable` when libbabeltrace2 refuses it.
    public static func probe(directory: String) throws -> TraceEnvironment {
        let state = SinkState(strings: StringTable())
        state.stopsAtFirstStream = true
        let location = TraceLocation(path: directory, traceDirectories: [directory])
        let graph = try GraphBuilder(location: location, state: state)
        defer { graph.release() }
        loop: while true {
            switch graph.step() {
            case .more: continue
            case .end: break loop
            case .failed(let reason): throw TraceError.unreadable(path: directory, reason: reason)
            }
        }
        return TraceEnvironment(directory: directory, hostname: state.hostname, tracer: state.tracer)
    }
}
