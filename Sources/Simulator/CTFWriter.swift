import CBabeltrace2
import Foundation
import TraceIngest

/// Why a trace could not be written.
public struct WriterError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): cannot write the trace: \(reason)" }
}

/// Writes normalized events as an LTTng-style CTF trace through libbabeltrace2's own graph: a
/// source component class written here in Swift against the C API feeds `sink.ctf.fs`. One
/// stream per CPU with `cpu_id` in the packet context, `tid`/`pid` as event common context, the
/// LTTng environment, packets of at most `packetEvents` events. No hand-written CTF.
final class CTFWriter {
    struct Options {
        var path: String
        var hostname: String
        var cpuCount: Int
        /// 16 bytes, from the seed: the same scenario writes the same bytes.
        var uuid: [UInt8]
        /// The QEMU user-space (UST) trace rather than the kernel one.
        var userSpace = false
        /// Declare the LTTng VM addons' `vmsync_*` event classes.
        var writesSync = false
        /// Declare the research addon's `addons_vcpu_enter_guest` event class.
        var writesEnterGuest = false
        /// Declare `lttng_statedump_vm_map` (a guest statedump's memory maps).
        var writesVMMaps = false
        var packetEvents = 4096
    }

    let options: Options
    let strings: StringTable
    let next: () -> Event?
    private(set) var written = 0

    init(options: Options, strings: StringTable, next: @escaping () -> Event?) {
        self.options = options
        self.strings = strings
        self.next = next
    }

    /// Runs the graph to the end; returns the number of events written.
    func write() throws -> Int {
        try FileManager.default.createDirectory(atPath: (options.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let state = WriterState(writer: self)
        guard let graph = bt_graph_create(0) else { throw WriterError(path: options.path, reason: "no graph") }
        defer { bt_graph_put_ref(graph) }
        guard let iteratorClass = bt_message_iterator_class_create({ iterator, messages, capacity, count in
            let state = WriterState.from(iterator: iterator!)
            return state.fill(iterator: iterator!, messages: messages!, capacity: Int(capacity), count: count!)
        }) else { throw WriterError(path: options.path, reason: "no iterator class") }
        defer { bt_message_iterator_class_put_ref(iteratorClass) }
        _ = bt_message_iterator_class_set_initialize_method(iteratorClass) { iterator, _, _ in
            let component = bt_self_message_iterator_borrow_component(iterator)
            let data = bt_self_component_get_data(component)
            bt_self_message_iterator_set_data(iterator, data)
            return BT_MESSAGE_ITERATOR_CLASS_INITIALIZE_METHOD_STATUS_OK
        }
        guard let sourceClass = bt_component_class_source_create("interfere-simulator", iteratorClass) else {
            throw WriterError(path: options.path, reason: "no source class")
        }
        defer { bt_component_class_source_put_ref(sourceClass) }
        _ = bt_component_class_source_set_initialize_method(sourceClass) { component, _, _, data in
            let selfComponent = bt_self_component_source_as_self_component(component)
            bt_self_component_set_data(selfComponent, data)
            let state = Unmanaged<WriterState>.fromOpaque(data!).takeUnretainedValue()
            state.makeClasses(selfComponent!)
            var port: OpaquePointer?
            guard bt_self_component_source_add_output_port(component, "out", nil, &port) == BT_SELF_COMPONENT_ADD_PORT_STATUS_OK else {
                return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR
            }
            return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK
        }
        let unmanaged = Unmanaged.passRetained(state)
        defer { unmanaged.release() }
        var source: OpaquePointer?
        guard bt_graph_add_source_component_with_initialize_method_data(
            graph, sourceClass, "simulator", nil, unmanaged.toOpaque(), BT_LOGGING_LEVEL_NONE, &source) == BT_GRAPH_ADD_COMPONENT_STATUS_OK
        else { throw WriterError(path: options.path, reason: BabeltraceError.takeMessage() ?? "cannot add the source") }

        var plugin: OpaquePointer?
        guard bt_plugin_find("ctf", 1, 1, 1, 1, 0, &plugin) == BT_PLUGIN_FIND_STATUS_OK, let plugin,
              let sinkClass = bt_plugin_borrow_sink_component_class_by_name_const(plugin, "fs")
        else { throw WriterError(path: options.path, reason: "the babeltrace2 ctf plugin is not installed") }
        defer { bt_plugin_put_ref(plugin) }
        let params = bt_value_map_create()!
        defer { bt_value_put_ref(params) }
        _ = bt_value_map_insert_string_entry(params, "path", options.path)
        _ = bt_value_map_insert_bool_entry(params, "assume-single-trace", 1)
        _ = bt_value_map_insert_bool_entry(params, "quiet", 1)
        var sink: OpaquePointer?
        guard bt_graph_add_sink_component(graph, sinkClass, "writer", params, BT_LOGGING_LEVEL_NONE, &sink) == BT_GRAPH_ADD_COMPONENT_STATUS_OK,
              let source, let sink
        else { throw WriterError(path: options.path, reason: BabeltraceError.takeMessage() ?? "cannot add sink.ctf.fs") }
        guard bt_graph_connect_ports(graph, bt_component_source_borrow_output_port_by_index_const(source, 0),
                                     bt_component_sink_borrow_input_port_by_index_const(sink, 0), nil) == BT_GRAPH_CONNECT_PORTS_STATUS_OK
        else { throw WriterError(path: options.path, reason: BabeltraceError.takeMessage() ?? "cannot connect") }
        while true {
            let status = bt_graph_run(graph)
            if status == BT_GRAPH_RUN_STATUS_OK { break }
            if status == BT_GRAPH_RUN_STATUS_AGAIN { continue }
            throw WriterError(path: options.path, reason: BabeltraceError.takeMessage() ?? "graph status \(status.rawValue)")
        }
        return written
    }

    fileprivate func count() { written += 1 }
}

/// The source component's state: classes, streams, open packets and the messages still to send.
private final class WriterState {
    unowned let writer: CTFWriter
    var traceClass: OpaquePointer?
    var streamClass: OpaquePointer?
    var clockClass: OpaquePointer?
    /// Event class and field layout per kind.
    var eventClasses = [(OpaquePointer, EventLayout)?](repeating: nil, count: 256)
    var trace: OpaquePointer?
    var streams: [OpaquePointer?] = []
    var packets: [OpaquePointer?] = []
    var packetCounts: [Int] = []
    var packetLast: [UInt64] = []
    var started = false
    var finished = false
    var pending: [OpaquePointer] = []

    init(writer: CTFWriter) { self.writer = writer }

    static func from(iterator: OpaquePointer) -> WriterState {
        Unmanaged<WriterState>.fromOpaque(bt_self_message_iterator_get_data(iterator)!).takeUnretainedValue()
    }

    func makeClasses(_ component: OpaquePointer) {
        let tc = bt_trace_class_create(component)!
        traceClass = tc
        let cc = bt_clock_class_create(component)!
        clockClass = cc
        _ = bt_clock_class_set_name(cc, "monotonic")
        bt_clock_class_set_frequency(cc, 1_000_000_000)
        var uuid = writer.options.uuid
        uuid[0] ^= 0x5c
        uuid.withUnsafeBufferPointer { bt_clock_class_set_uuid(cc, $0.baseAddress) }
        bt_clock_class_set_origin_is_unix_epoch(cc, 1)
        let sc = bt_stream_class_create(tc)!
        streamClass = sc
        _ = bt_stream_class_set_default_clock_class(sc, cc)
        bt_stream_class_set_assigns_automatic_stream_id(sc, 0)
        bt_stream_class_set_supports_packets(sc, 1, 1, 1)
        let packetContext = bt_field_class_structure_create(tc)!
        let cpuID = bt_field_class_integer_unsigned_create(tc)!
        bt_field_class_integer_set_field_value_range(cpuID, 32)
        _ = bt_field_class_structure_append_member(packetContext, "cpu_id", cpuID)
        _ = bt_stream_class_set_packet_context_field_class(sc, packetContext)
        let common = bt_field_class_structure_create(tc)!
        for name in writer.options.userSpace ? ["vpid", "vtid"] : ["pid", "tid"] {
            let f = bt_field_class_integer_signed_create(tc)!
            bt_field_class_integer_set_field_value_range(f, 32)
            _ = bt_field_class_structure_append_member(common, name, f)
            bt_field_class_put_ref(f)
        }
        _ = bt_stream_class_set_event_common_context_field_class(sc, common)
        bt_field_class_put_ref(common)
        bt_field_class_put_ref(cpuID)
        bt_field_class_put_ref(packetContext)
        for (kind, layout) in EventLayout.all.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where layout.userSpace == writer.options.userSpace && (!layout.sync || writer.options.writesSync) && (!layout.enterGuest || writer.options.writesEnterGuest) && (!layout.vmMaps || writer.options.writesVMMaps) {
            let ec = bt_event_class_create(sc)!
            _ = bt_event_class_set_name(ec, layout.name)
            let payload = bt_field_class_structure_create(tc)!
            for field in layout.fields {
                let fc: OpaquePointer
                switch field.type {
                case .signed: fc = bt_field_class_integer_signed_create(tc)!
                case .unsigned, .rwbsBits: fc = bt_field_class_integer_unsigned_create(tc)!
                case .string: fc = bt_field_class_string_create(tc)!
                }
                _ = bt_field_class_structure_append_member(payload, field.name, fc)
                bt_field_class_put_ref(fc)
            }
            _ = bt_event_class_set_payload_field_class(ec, payload)
            bt_field_class_put_ref(payload)
            eventClasses[Int(kind.rawValue)] = (ec, layout)
        }
    }

    func start(_ iterator: OpaquePointer) {
        let options = writer.options
        let t = bt_trace_create(traceClass)!
        trace = t
        options.uuid.withUnsafeBufferPointer { bt_trace_set_uuid(t, $0.baseAddress) }
        _ = bt_trace_set_name(t, options.userSpace ? "ust" : "kernel")
        _ = bt_trace_set_environment_entry_string(t, "hostname", options.hostname)
        _ = bt_trace_set_environment_entry_string(t, "domain", options.userSpace ? "ust" : "kernel")
        _ = bt_trace_set_environment_entry_string(t, "tracer_name", options.userSpace ? "lttng-ust" : "lttng-modules")
        _ = bt_trace_set_environment_entry_integer(t, "tracer_major", 2)
        _ = bt_trace_set_environment_entry_integer(t, "tracer_minor", 13)
        _ = bt_trace_set_environment_entry_string(t, "trace_creation_datetime", "simulated")
        let count = options.userSpace ? 1 : options.cpuCount
        for cpu in 0..<count {
            let stream = bt_stream_create_with_id(streamClass, t, UInt64(cpu))!
            _ = bt_stream_set_name(stream, options.userSpace ? "ust_0" : "channel0_\(cpu)")
            streams.append(stream)
            pending.append(bt_message_stream_beginning_create(iterator, stream)!)
        }
        packets = Array(repeating: nil, count: count)
        packetCounts = Array(repeating: 0, count: count)
        packetLast = Array(repeating: 0, count: count)
    }

    func fill(iterator: OpaquePointer, messages: bt_message_array_const, capacity: Int,
              count: UnsafeMutablePointer<UInt64>) -> bt_message_iterator_class_next_method_status {
        if !started { start(iterator); started = true }
        var n = 0
        func flushPending() {
            while n < capacity, !pending.isEmpty {
                messages[n] = pending.removeFirst()
                n += 1
            }
        }
        flushPending()
        while n + 3 <= capacity && pending.isEmpty && !finished {
            guard let event = writer.next() else {
                finish(iterator)
                finished = true
                break
            }
            guard let (eventClass, layout) = eventClasses[Int(event.kind.rawValue)] else { continue }
            let s = writer.options.userSpace ? 0 : Int(event.cpu)
            guard s >= 0, s < streams.count else { continue }
            let time = UInt64(max(0, event.time))
            if packets[s] != nil, packetCounts[s] >= writer.options.packetEvents {
                messages[n] = bt_message_packet_end_create_with_default_clock_snapshot(iterator, packets[s], packetLast[s])
                n += 1
                bt_packet_put_ref(packets[s])
                packets[s] = nil
            }
            if packets[s] == nil {
                let packet = bt_packet_create(streams[s])!
                let context = bt_packet_borrow_context_field(packet)!
                bt_field_integer_unsigned_set_value(bt_field_structure_borrow_member_field_by_index(context, 0), UInt64(s))
                packets[s] = packet
                packetCounts[s] = 0
                messages[n] = bt_message_packet_beginning_create_with_default_clock_snapshot(iterator, packet, time)
                n += 1
            }
            let message = bt_message_event_create_with_packet_and_default_clock_snapshot(iterator, eventClass, packets[s], time)!
            let e = bt_message_event_borrow_event(message)!
            let context = bt_event_borrow_common_context_field(e)!
            bt_field_integer_signed_set_value(bt_field_structure_borrow_member_field_by_index(context, 0), Int64(event.pid))
            bt_field_integer_signed_set_value(bt_field_structure_borrow_member_field_by_index(context, 1), Int64(event.tid))
            let payload = bt_event_borrow_payload_field(e)!
            for (i, field) in layout.fields.enumerated() {
                let f = bt_field_structure_borrow_member_field_by_index(payload, UInt64(i))
                switch field.type {
                case .signed: bt_field_integer_signed_set_value(f, field.value(event))
                case .unsigned: bt_field_integer_unsigned_set_value(f, UInt64(bitPattern: field.value(event)))
                case .rwbsBits: bt_field_integer_unsigned_set_value(f, UInt64(EventLayout.rwbsBits(field.text(event, writer.strings))))
                case .string: _ = bt_field_string_set_value(f, field.text(event, writer.strings))
                }
            }
            messages[n] = message
            n += 1
            packetCounts[s] += 1
            packetLast[s] = time
            writer.count()
        }
        flushPending()
        count.pointee = UInt64(n)
        if n == 0 && finished && pending.isEmpty { return BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_END }
        return BT_MESSAGE_ITERATOR_CLASS_NEXT_METHOD_STATUS_OK
    }

    private func finish(_ iterator: OpaquePointer) {
        for s in streams.indices {
            if let packet = packets[s] {
                pending.append(bt_message_packet_end_create_with_default_clock_snapshot(iterator, packet, packetLast[s])!)
                bt_packet_put_ref(packet)
                packets[s] = nil
            }
            pending.append(bt_message_stream_end_create(iterator, streams[s])!)
        }
    }

    deinit {
        for stream in streams { bt_stream_put_ref(stream) }
        if let trace { bt_trace_put_ref(trace) }
        for case let (ec, _)? in eventClasses { bt_event_class_put_ref(ec) }
        if let streamClass { bt_stream_class_put_ref(streamClass) }
        if let clockClass { bt_clock_class_put_ref(clockClass) }
        if let traceClass { bt_trace_class_put_ref(traceClass) }
    }
}
