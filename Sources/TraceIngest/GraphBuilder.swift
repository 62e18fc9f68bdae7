import CBabeltrace2
import Foundation

/// Builds the libbabeltrace2 graph `src.ctf.fs` (one per trace folder) → `flt.utils.muxer` →
/// a simple sink whose consume function decodes messages into a `SinkState`.
final class GraphBuilder {
    let graph: OpaquePointer
    private let state: Unmanaged<SinkState>
    private let part: (index: Int, of: Int)

    /// The number of stream ports of all the sources (known once built).
    private(set) var portCount = 0

    /// Builds the graph; with `part` = (k, n) only every n-th stream port, starting at k, is read
    /// (the other ports stay unconnected), so n graphs on n threads share the decoding.
    convenience init(location: TraceLocation, state sinkState: SinkState, part: (index: Int, of: Int) = (0, 1)) throws {
        try self.init(path: location.path, state: sinkState, part: part) { try $0.build(location: location) }
    }

    /// Builds the graph `src.ctf.lttng-live` (one LTTng live session at `liveURL`,
    /// `net://RELAY/host/HOSTNAME/SESSION`) → `flt.utils.muxer` → the same sink. The source waits
    /// `session-not-found-action=end`: the graph ends when the session is not there, or once it
    /// is destroyed (the caller tells the two apart).
    convenience init(liveURL: String, state sinkState: SinkState) throws {
        try self.init(path: liveURL, state: sinkState, part: (0, 1)) { try $0.buildLive(url: liveURL) }
    }

    /// An empty graph, then `build` adds its components; when that fails, what was made is released.
    private init(path: String, state sinkState: SinkState, part: (index: Int, of: Int),
                 build: (GraphBuilder) throws -> Void) throws {
        self.part = part
        guard let graph = bt_graph_create(0) else {
            throw TraceError.library(path: path, reason: "cannot create a graph")
        }
        self.graph = graph
        self.state = Unmanaged.passRetained(sinkState)
        do {
            try build(self)
        } catch {
            release()
            throw error
        }
    }

    /// The ctf plugin's source class `name` (`fs`, `lttng-live`) and the muxer, added to the graph.
    private func sourceClassAndMuxer(_ name: String, path: String) throws -> (source: OpaquePointer, muxer: OpaquePointer) {
        // Nothing of a previous failure may be pending on this thread when calling in again.
        bt_current_thread_clear_error()
        let ctf = try Self.plugin("ctf", path: path)
        let utils = try Self.plugin("utils", path: path)
        guard let sourceClass = bt_plugin_borrow_source_component_class_by_name_const(ctf, name),
              let muxerClass = bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer")
        else { throw TraceError.library(path: path, reason: "src.ctf.\(name) or flt.utils.muxer not found") }
        var muxer: OpaquePointer?
        guard bt_graph_add_filter_component(graph, muxerClass, "muxer", nil, BT_LOGGING_LEVEL_NONE, &muxer)
                == BT_GRAPH_ADD_COMPONENT_STATUS_OK, let muxer
        else { throw TraceError.library(path: path, reason: Self.takeErrorMessage() ?? "cannot add the muxer") }
        return (sourceClass, muxer)
    }

    private func buildLive(url: String) throws {
        let (liveClass, muxer) = try sourceClassAndMuxer("lttng-live", path: url)
        let params = bt_value_map_create()!
        defer { bt_value_put_ref(params) }
        let inputs = bt_value_array_create()!
        defer { bt_value_put_ref(inputs) }
        _ = bt_value_array_append_string_element(inputs, url)
        _ = bt_value_map_insert_entry(params, "inputs", inputs)
        _ = bt_value_map_insert_string_entry(params, "session-not-found-action", "end")
        var source: OpaquePointer?
        guard bt_graph_add_source_component(graph, liveClass, "live", params, BT_LOGGING_LEVEL_NONE, &source)
                == BT_GRAPH_ADD_COMPONENT_STATUS_OK, let source
        else { throw TraceError.unreadable(path: url, reason: Self.takeErrorMessage() ?? "src.ctf.lttng-live refused it") }
        guard bt_graph_connect_ports(graph, bt_component_source_borrow_output_port_by_index_const(source, 0),
                                     bt_component_filter_borrow_input_port_by_index_const(muxer, 0), nil)
                == BT_GRAPH_CONNECT_PORTS_STATUS_OK
        else { throw TraceError.library(path: url, reason: Self.takeErrorMessage() ?? "cannot connect the live source") }
        portCount = 1
        try addSink(after: muxer, path: url)
    }

    private func build(location: TraceLocation) throws {
        let path = location.path
        let (fsClass, muxer) = try sourceClassAndMuxer("fs", path: path)

        var muxerPort: UInt64 = 0
        for (n, directory) in location.traceDirectories.enumerated() {
            try MetadataCheck.check(directory: directory)
            let params = bt_value_map_create()!
            defer { bt_value_put_ref(params) }
            let inputs = bt_value_array_create()!
            defer { bt_value_put_ref(inputs) }
            _ = bt_value_array_append_string_element(inputs, directory)
            _ = bt_value_map_insert_entry(params, "inputs", inputs)
            var source: OpaquePointer?
            let status = bt_graph_add_source_component(graph, fsClass, "source-\(n)", params,
                                                        BT_LOGGING_LEVEL_NONE, &source)
            guard status == BT_GRAPH_ADD_COMPONENT_STATUS_OK, let source else {
                var reason = Self.takeErrorMessage() ?? "src.ctf.fs refused it"
                if reason.hasPrefix("Cannot create trace") { reason = "its `metadata` is not valid CTF metadata (\(reason))" }
                throw TraceError.unreadable(path: directory, reason: reason)
            }
            let ports = bt_component_source_get_output_port_count(source)
            for p in 0..<ports {
                defer { portCount += 1 }
                guard portCount % part.of == part.index else { continue }
                let output = bt_component_source_borrow_output_port_by_index_const(source, p)
                let input = bt_component_filter_borrow_input_port_by_index_const(muxer, muxerPort)
                muxerPort += 1
                guard bt_graph_connect_ports(graph, output, input, nil) == BT_GRAPH_CONNECT_PORTS_STATUS_OK else {
                    throw TraceError.library(path: path, reason: Self.takeErrorMessage() ?? "cannot connect a stream port")
                }
            }
        }

        try addSink(after: muxer, path: path)
    }

    /// The Swift sink after the muxer: the one end of every graph.
    private func addSink(after muxer: OpaquePointer, path: String) throws {
        var sink: OpaquePointer?
        let consume: bt_graph_simple_sink_component_consume_func = { iterator, userData in
            let state = Unmanaged<SinkState>.fromOpaque(userData!).takeUnretainedValue()
            return GraphBuilder.consume(iterator: iterator!, state: state)
        }
        guard bt_graph_add_simple_sink_component(graph, "interfere", nil, consume, nil,
                                                 state.toOpaque(), &sink) == BT_GRAPH_ADD_COMPONENT_STATUS_OK,
              let sink
        else { throw TraceError.library(path: path, reason: Self.takeErrorMessage() ?? "cannot add the sink") }
        guard bt_graph_connect_ports(graph, bt_component_filter_borrow_output_port_by_index_const(muxer, 0),
                                     bt_component_sink_borrow_input_port_by_index_const(sink, 0), nil)
                == BT_GRAPH_CONNECT_PORTS_STATUS_OK
        else { throw TraceError.library(path: path, reason: Self.takeErrorMessage() ?? "cannot connect the sink") }
    }

    /// Pulls batches until a few thousand events are decoded, so the reader can hand them on.
    private static func consume(iterator: OpaquePointer, state: SinkState)
        -> bt_graph_simple_sink_component_consume_func_status {
        while state.buffer.count < 4096 {
            var messages: bt_message_array_const?
            var count: UInt64 = 0
            let status = bt_message_iterator_next(iterator, &messages, &count)
            switch status {
            case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
                let array = messages!
                for i in 0..<Int(count) {
                    let message = array[i]!
                    state.handle(message)
                    bt_message_put_ref(message)
                }
                if state.stopsAtFirstStream && state.sawStream {
                    return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END
                }
            case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
                return state.buffer.isEmpty ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END
                                            : BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK
            case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
                return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN
            case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
                return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR
            default:
                return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR
            }
        }
        return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK
    }

    /// What one run of the graph left: more to read, the end, or the library's error.
    enum Step { case more, end, failed(String) }

    /// Runs the graph once (the sink appends what it decoded to its state's buffer). The one
    /// `bt_graph_run_once` loop body of the serial and the parallel readers.
    func step() -> Step {
        let status = bt_graph_run_once(graph)
        switch status {
        case BT_GRAPH_RUN_ONCE_STATUS_OK, BT_GRAPH_RUN_ONCE_STATUS_AGAIN:
            // An error libbabeltrace2 left on this thread under a good status: the decode is not
            // to be trusted, and the next call would abort on it (graph.c:582).
            if let pending = Self.takeErrorMessage() { return .failed(pending) }
            return .more
        case BT_GRAPH_RUN_ONCE_STATUS_END: return .end
        default: return .failed(Self.takeErrorMessage() ?? "error status \(status.rawValue)")
        }
    }

    func release() {
        bt_graph_put_ref(graph)
        state.release()
    }

    /// The plugin `name`, found once per process and kept (`bt_plugin_find` loads every plugin
    /// file of the system's folders each time: about 3 M instructions per call, several calls per
    /// run). Borrowed: callers do not put the reference.
    private static func plugin(_ name: String, path: String) throws -> OpaquePointer {
        if let found = PluginCache.shared.plugin(name) { return found }
        var plugin: OpaquePointer?
        guard bt_plugin_find(name, 1, 1, 1, 1, 0, &plugin) == BT_PLUGIN_FIND_STATUS_OK, let plugin else {
            throw TraceError.library(path: path, reason: "the babeltrace2 `\(name)` plugin is not installed (apt-get install babeltrace2)")
        }
        return PluginCache.shared.keep(plugin, as: name)
    }

    /// The current thread's libbabeltrace2 error, most specific cause first, as one line; clears it.
    static func takeErrorMessage() -> String? {
        guard let error = bt_current_thread_take_error() else { return nil }
        defer { bt_error_release(error) }
        let count = bt_error_get_cause_count(error)
        var messages: [String] = []
        for i in 0..<count {
            guard let cause = bt_error_borrow_cause_by_index(error, i),
                  let text = bt_error_cause_get_message(cause) else { continue }
            let line = humanPart(of: String(cString: text))
            if !line.isEmpty, !messages.contains(line) { messages.append(line) }
        }
        guard !messages.isEmpty else { return nil }
        // Cause 0 is the root (the first one appended): the most specific; add the next one for context.
        return messages.prefix(2).joined(separator: ": ")
    }

    /// A cause message without libbabeltrace2's `key=value` debugging details.
    static func humanPart(of message: String) -> String {
        let flat = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        var kept: [Substring] = []
        for part in flat.split(separator: ": ", omittingEmptySubsequences: true) {
            if part.contains("=0x") || part.contains("-addr=") || part.hasPrefix("status=") { break }
            kept.append(part)
        }
        return kept.joined(separator: ": ").trimmingCharacters(in: .whitespaces)
    }
}

/// The babeltrace2 plugins found in this process, by name (each kept for the process's life).
final class PluginCache: @unchecked Sendable {
    static let shared = PluginCache()
    private let lock = NSLock()
    private var plugins: [String: OpaquePointer] = [:]

    func plugin(_ name: String) -> OpaquePointer? {
        lock.lock()
        defer { lock.unlock() }
        return plugins[name]
    }

    /// Keeps `plugin` as `name`'s, or returns the one another thread kept first (putting `plugin`).
    func keep(_ plugin: OpaquePointer, as name: String) -> OpaquePointer {
        lock.lock()
        defer { lock.unlock() }
        if let first = plugins[name] {
            bt_plugin_put_ref(plugin)
            return first
        }
        plugins[name] = plugin
        return plugin
    }
}
