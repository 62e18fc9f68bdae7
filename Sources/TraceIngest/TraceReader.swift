import CBabeltrace2
import Foundation

/// Reads the CTF traces under a path through libbabeltrace2's own graph
/// (`src.ctf.fs` per trace → `flt.utils.muxer` → a sink written in Swift) and hands every event,
/// normalized, to the caller in time order.
///
/// One pass, memory bounded by the number of event classes and distinct strings. Event classes
/// Interfere does not read are counted and never decoded.
public final class TraceReader {
    public let location: TraceLocation
    /// The strings the events' `s1`/`s2`/comm ids refer to.
    public let strings: StringTable
    /// Decoding threads (`ReadingOptions.threads`).
    public let threads: Int

    /// Locates the traces under `path`; throws `TraceError` when there are none.
    public init(path: String, strings: StringTable = StringTable(), threads: Int = 1) throws {
        self.location = try TraceLocation(path: path)
        self.strings = strings
        self.threads = min(max(threads, 1), 8)
    }

    /// Reads the traces of `location` only (e.g. one machine's of a folder holding several).
    public init(location: TraceLocation, strings: StringTable = StringTable(), threads: Int = 1) {
        self.location = location
        self.strings = strings
        self.threads = min(max(threads, 1), 8)
    }

    /// Reads every event, calling `body` for each in time order, and returns the inventory.
    /// Throws `TraceError.unreadable` when libbabeltrace2 refuses the trace, and
    /// `TraceError.decodeFailed` (with how far it got) when decoding stops partway; `body` has
    /// then seen every event before that point.
    @discardableResult
    public func read(_ body: (Event) throws -> Void) throws -> TraceInventory {
        var hold = FarFutureHold()
        var inventory = try readAll { try hold.pass($0, to: body) }
        hold.finish()
        if hold.dropped > 0 {
            inventory.farFutureEvents = hold.dropped
            inventory.lastTimeNs = hold.lastTime
        }
        return inventory
    }

    private func readAll(_ body: (Event) throws -> Void) throws -> TraceInventory {
        let parallelism = threads
        if parallelism > 1 {
            let first = try TracePart(location: location, part: (0, parallelism))
            if first.graph.portCount >= parallelism {
                var parts = [first]
                do {
                    for k in 1..<parallelism { parts.append(try TracePart(location: location, part: (k, parallelism))) }
                } catch {
                    for part in parts { part.graph.release() }
                    throw error
                }
                do {
                    return try readInParts(parts, body)
                } catch TraceError.decodeFailed(let path, let reason, _, _) {
                    // How far babeltrace2's own graph gets (every stream in one muxer, every event
                    // class counted): the parts decode ahead of the merge, so count again in one graph.
                    throw countUntilFailure() ?? TraceError.decodeFailed(path: path, reason: reason, eventsRead: 0, lastTime: nil)
                }
            }
            first.graph.release()
        }
        return try readSerially(body)
    }

    /// Reads with one graph, counting events, until decoding fails: that failure, or nil.
    private func countUntilFailure() -> TraceError? {
        do {
            _ = try readSerially { _ in }
            return nil
        } catch let error as TraceError {
            return error
        } catch {
            return nil
        }
    }

    private func readSerially(_ body: (Event) throws -> Void) throws -> TraceInventory {
        let state = SinkState(strings: strings)
        let graph = try GraphBuilder(location: location, state: state)
        defer { graph.release() }
        while true {
            let step = graph.step()
            for i in 0..<state.buffer.count { try body(state.buffer[i]) }
            state.buffer.removeAll(keepingCapacity: true)
            switch step {
            case .more:
                continue
            case .end:
                return state.inventory(location: location)
            case .failed(let reason):
                throw TraceError.decodeFailed(path: location.path, reason: reason,
                                              eventsRead: state.totalEvents,
                                              lastTime: state.totalEvents > 0 ? state.lastTime : nil)
            }
        }
    }

    /// Reads the inventory only (every event is still decoded as `read` does).
    public func inventory() throws -> TraceInventory {
        try read { _ in }
    }
}

/// Holds back the events after a jump of more than `EventTime.farJumpNs`: when the trace ends
/// within `limit` events of the jump they are a lone far-future timestamp (a corrupt clock value
/// and the events timed from it) and are left out (`dropped`); more events after it are a real
/// later part of the trace and are passed on.
struct FarFutureHold {
    static let limit = 100_000
    private var held: [Event] = []
    private(set) var lastTime: Int64?
    private(set) var dropped = 0

    @inline(__always)
    mutating func pass(_ e: Event, to body: (Event) throws -> Void) throws {
        if !held.isEmpty {
            held.append(e)
            if held.count > Self.limit {
                for h in held { try body(h) }
                lastTime = held.last?.time
                held = []
            }
            return
        }
        if let last = lastTime, e.time - last > EventTime.farJumpNs {
            held.append(e)
            return
        }
        lastTime = e.time
        try body(e)
    }

    /// At the end of the trace: what is still held is left out.
    mutating func finish() {
        dropped = held.count
        held = []
    }
}

/// The sink's state between calls: class plans, counters and the batch of decoded events.
final class SinkState {
    let strings: StringTable
    var buffer: [Event] = []
    var plans: [FieldPlan] = []
    var classCounts: [Int] = []
    var classIndex: [OpaquePointer: Int] = [:]
    /// The first 64 classes, searched linearly before the dictionary (most traces use few).
    var classPointers: [OpaquePointer] = []
    var hasClock: [Bool] = []
    var lastClass: OpaquePointer?
    var lastClassIndex = 0
    var lastPacket: OpaquePointer?
    var lastCPU: Int32 = -1
    /// The current packet's `cpu_id` (-1: none, or out of 0..<EventCPU.limit).
    var packetCPU: Int32 = -1
    var cpuCounts: [Int] = []
    var noCPUCount = 0
    var totalEvents = 0
    var firstTime: Int64 = 0
    var lastTime: Int64 = 0
    var discardedEvents = 0
    var discardedPackets = 0
    var hostname: String?
    var tracer: String?
    /// The environment's `domain` (LTTng: `kernel` or `ust`).
    var domain: String?
    /// The first stream's default clock class UUID (LTTng: the machine's boot id), as text.
    var clockUUID: String?
    var seenTraces: Set<OpaquePointer> = []
    var iterator: OpaquePointer?
    /// Probing (`TraceEnvironment.probe`): stop at the first stream's beginning, once the
    /// trace environment is known.
    var stopsAtFirstStream = false
    var sawStream = false

    init(strings: StringTable) {
        self.strings = strings
        buffer.reserveCapacity(8192)
    }

    func inventory(location: TraceLocation) -> TraceInventory {
        var byName: [String: Int] = [:]
        for (i, plan) in plans.enumerated() where classCounts[i] > 0 {
            byName[plan.name, default: 0] += classCounts[i]
        }
        let names = byName.map { TraceInventory.NameCount(name: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
        var cpus = cpuCounts.enumerated().filter { $0.element > 0 }
            .map { TraceInventory.CPUCount(cpu: $0.offset, count: $0.element) }
        if noCPUCount > 0 { cpus.insert(.init(cpu: -1, count: noCPUCount), at: 0) }
        return TraceInventory(
            path: location.path, traceDirectories: location.traceDirectories,
            hostname: hostname, tracer: tracer,
            firstTimeNs: totalEvents > 0 ? firstTime : nil, lastTimeNs: totalEvents > 0 ? lastTime : nil,
            totalEvents: totalEvents, eventsByName: names, eventsByCPU: cpus,
            discardedEvents: discardedEvents, discardedPackets: discardedPackets)
    }

    /// Decodes one batch of messages into `buffer`. Returns false on an iterator error.
    @inline(__always)
    func handle(_ message: OpaquePointer) {
        switch bt_message_get_type(message) {
        case BT_MESSAGE_TYPE_EVENT:
            handleEvent(message)
        case BT_MESSAGE_TYPE_STREAM_BEGINNING:
            if let stream = bt_message_stream_beginning_borrow_stream_const(message),
               let trace = bt_stream_borrow_trace_const(stream) {
                noteTrace(trace)
                if clockUUID == nil, let streamClass = bt_stream_borrow_class_const(stream),
                   let clock = bt_stream_class_borrow_default_clock_class_const(streamClass),
                   let uuid = bt_clock_class_get_uuid(clock) {
                    let hex = Array("0123456789abcdef")
                    clockUUID = String((0..<16).flatMap { [hex[Int(uuid[$0] >> 4)], hex[Int(uuid[$0] & 15)]] })
                }
                sawStream = true
            }
        case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
            var count: UInt64 = 0
            if bt_message_discarded_events_get_count(message, &count) == BT_PROPERTY_AVAILABILITY_AVAILABLE {
                discardedEvents = saturatingSum(discardedEvents, count)
            }
        case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
            var count: UInt64 = 0
            if bt_message_discarded_packets_get_count(message, &count) == BT_PROPERTY_AVAILABILITY_AVAILABLE {
                discardedPackets = saturatingSum(discardedPackets, count)
            }
        default:
            break
        }
    }

    @inline(__always)
    private func handleEvent(_ message: OpaquePointer) {
        let event = bt_message_event_borrow_event_const(message)!
        let eventClass = bt_event_borrow_class_const(event)!
        let index: Int
        if eventClass == lastClass {
            index = lastClassIndex
        } else {
            if let known = classPointers.firstIndex(of: eventClass) ?? classIndex[eventClass] {
                index = known
            } else {
                index = plans.count
                let name = String(cString: bt_event_class_get_name(eventClass))
                plans.append(FieldPlan(eventClass: eventClass, name: name))
                classCounts.append(0)
                hasClock.append(bt_message_event_borrow_stream_class_default_clock_class_const(message) != nil)
                classIndex[eventClass] = index
                if index < 64 { classPointers.append(eventClass) }
            }
            lastClass = eventClass
            lastClassIndex = index
        }
        classCounts[index] += 1
        let plan = plans[index]

        var time: Int64 = lastTime
        if hasClock[index], let snapshot = bt_message_event_borrow_default_clock_snapshot_const(message) {
            var ns: Int64 = 0
            if bt_clock_snapshot_get_ns_from_origin(snapshot, &ns) == BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK {
                time = EventTime.clamped(ns)
            } else {
                // The value overflows 64-bit ns: libbabeltrace2 left an error on this thread,
                // which must go before the next call into it. The event keeps the previous time.
                bt_current_thread_clear_error()
            }
        }
        if totalEvents == 0 { firstTime = time }
        lastTime = time
        totalEvents += 1

        let packet = bt_event_borrow_packet_const(event)
        if packet != lastPacket {
            lastPacket = packet
            packetCPU = Self.cpuID(of: packet)
        }
        lastCPU = packetCPU
        if packetCPU < 0, let field = plan.cpuField {
            // No `cpu_id` in the packet context: older perf conversions carry `perf_cpu` per event.
            lastCPU = Self.cpu(field, of: event)
        }
        if lastCPU >= 0 {
            let cpu = Int(lastCPU)
            if cpu >= cpuCounts.count { cpuCounts.append(contentsOf: repeatElement(0, count: cpu + 1 - cpuCounts.count)) }
            cpuCounts[cpu] += 1
        } else {
            noCPUCount += 1
        }

        guard let kind = plan.kind else { return }
        buffer.append(decode(event, plan: plan, kind: kind, time: time))
    }

    @inline(__always)
    private func decode(_ event: OpaquePointer, plan: FieldPlan, kind: EventKind, time: Int64) -> Event {
        var e = Event(time: time, cpu: lastCPU, kind: kind,
                      a: plan.defaults.a, b: plan.defaults.b, c: plan.defaults.c, d: plan.defaults.d)
        let reads = plan.readBuffer
        if reads.isEmpty { return e }
        let payload = bt_event_borrow_payload_field_const(event)
        var common: OpaquePointer?
        var specific: OpaquePointer?
        for read in reads {
            let structure: OpaquePointer?
            switch read.scope {
            case .payload: structure = payload
            case .commonContext:
                if common == nil { common = bt_event_borrow_common_context_field_const(event) }
                structure = common
            case .specificContext:
                if specific == nil { specific = bt_event_borrow_specific_context_field_const(event) }
                structure = specific
            }
            guard let structure,
                  let field = bt_field_structure_borrow_member_field_by_index_const(structure, UInt64(read.index))
            else { continue }
            var integer: Int64 = 0
            var string: Int32 = StringTable.none
            switch read.reader {
            case .unsigned: integer = Int64(bitPattern: bt_field_integer_unsigned_get_value(field))
            case .signed: integer = bt_field_integer_signed_get_value(field)
            case .string:
                if let c = bt_field_string_get_value(field) { string = strings.intern(cString: c) }
            case .rwbsBits:
                string = strings.intern(rwbsLetters(bt_field_integer_unsigned_get_value(field)))
            case .perfFlags:
                let type = bt_field_get_class_type(field)
                integer = bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER) != 0
                    ? bt_field_integer_signed_get_value(field) : Int64(bitPattern: bt_field_integer_unsigned_get_value(field))
            }
            switch read.slot {
            case .a: e.a = integer
            case .b: e.b = integer
            case .c: e.c = integer
            case .d: e.d = integer
            case .s1: e.s1 = string
            case .s2: e.s2 = string
            case .tid:
                if read.scope != .payload || !plan.payloadTidIsCurrent || e.tid < 0 {
                    e.tid = Int32(truncatingIfNeeded: integer)
                }
            case .pid: e.pid = Int32(truncatingIfNeeded: integer)
            case .context: e.context = ExecutionContext(perfCommonFlags: integer)
            case .time: e.time = EventTime.clamped(integer)
            case .cpu: e.cpu = EventCPU.checked(integer)
            case .sourcePort: e.c |= (integer & 0xffff) << 16
            case .destinationPort: e.c |= integer & 0xffff
            }
        }
        return e
    }

    private static func cpuID(of packet: OpaquePointer?) -> Int32 {
        guard let packet, let context = bt_packet_borrow_context_field_const(packet),
              let field = bt_field_structure_borrow_member_field_by_name_const(context, "cpu_id")
        else { return -1 }
        return cpuNumber(field)
    }

    /// The `perf_cpu` member (`field.index` of the payload) of an event: -1 when unreadable.
    private static func cpu(_ field: (index: Int, reader: FieldPlan.Reader), of event: OpaquePointer) -> Int32 {
        guard let payload = bt_event_borrow_payload_field_const(event),
              let member = bt_field_structure_borrow_member_field_by_index_const(payload, UInt64(field.index))
        else { return -1 }
        return cpuNumber(member)
    }

    /// An integer field as a CPU number: -1 (unknown CPU) unless in 0..<`EventCPU.limit`.
    private static func cpuNumber(_ field: OpaquePointer) -> Int32 {
        let type = bt_field_get_class_type(field)
        if bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER) != 0 {
            return EventCPU.checked(bt_field_integer_signed_get_value(field))
        }
        if bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER) != 0 {
            let value = bt_field_integer_unsigned_get_value(field)
            return value < UInt64(EventCPU.limit) ? Int32(value) : -1
        }
        return -1
    }

    private func noteTrace(_ trace: OpaquePointer) {
        guard !seenTraces.contains(trace) else { return }
        seenTraces.insert(trace)
        func env(_ name: String) -> String? {
            guard let value = bt_trace_borrow_environment_entry_value_by_name_const(trace, name) else { return nil }
            switch bt_value_get_type(value) {
            case BT_VALUE_TYPE_STRING: return String(cString: bt_value_string_get(value))
            case BT_VALUE_TYPE_SIGNED_INTEGER: return String(bt_value_integer_signed_get(value))
            case BT_VALUE_TYPE_UNSIGNED_INTEGER: return String(bt_value_integer_unsigned_get(value))
            default: return nil
            }
        }
        if hostname == nil { hostname = env("hostname") ?? env("host") }
        if domain == nil { domain = env("domain") }
        if tracer == nil, let name = env("tracer_name") {
            if let major = env("tracer_major"), let minor = env("tracer_minor") {
                tracer = "\(name) \(major).\(minor)"
            } else {
                tracer = name
            }
        }
    }
}
