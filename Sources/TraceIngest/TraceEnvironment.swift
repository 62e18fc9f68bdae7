/// What a trace's environment says of the machine that wrote it, read before its events:
/// `hostname` (LTTng) or `host` (perf CTF), the tracer, the `domain` and the clock's UUID (LTTng
/// writes the machine's boot id there, so a machine's kernel and UST traces share it).
/// libbabeltrace2 reads the metadata and the first packet of the first stream; no event is
/// decoded.
public struct TraceEnvironment: Sendable, Equatable {
    /// The trace folder.
    public var directory: String
    /// `hostname` or `host`; nil when the environment has neither (or the trace has no stream).
    public var hostname: String?
    /// `tracer_name` with `tracer_major.tracer_minor` when present.
    public var tracer: String?
    /// `domain` (LTTng: `kernel`, `ust`); nil when absent.
    public var domain: String?
    /// The first stream's clock UUID as 32 lowercase hex digits; nil when the clock has none.
    public var clockUUID: String?

    public init(directory: String, hostname: String?, tracer: String?, domain: String? = nil, clockUUID: String? = nil) {
        self.directory = directory
        self.hostname = hostname
        self.tracer = tracer
        self.domain = domain
        self.clockUUID = clockUUID
    }

    /// A user-space trace (`domain` `ust`): it runs on a machine traced by a kernel trace.
    public var isUserSpace: Bool { domain == "ust" }

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
        return TraceEnvironment(directory: directory, hostname: state.hostname, tracer: state.tracer,
                                domain: state.domain, clockUUID: state.clockUUID)
    }
}
