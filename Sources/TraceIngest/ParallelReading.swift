import CBabeltrace2
import Foundation

/// A batch of decoded events from one part of the trace, with the strings its part interned
/// since the previous batch (so the reader can map that part's string ids to its own).
struct EventBatch {
    var events: [Event]
    var newStrings: [String]
}

/// What a producer hands over: a batch, its end, or the error that stopped it.
enum PartMessage {
    case batch(EventBatch)
    case end
    case failed(String)
}

/// One graph over a share of the stream ports, run on its own thread.
final class TracePart: @unchecked Sendable {
    let state: SinkState
    let graph: GraphBuilder
    let queue = BoundedQueue<PartMessage>()
    private var sentStrings = 0
    private let finished = DispatchSemaphore(value: 0)

    /// Blocks until `run` has returned (its graph may then be released).
    func waitUntilFinished() { finished.wait() }

    init(location: TraceLocation, part: (index: Int, of: Int)) throws {
        state = SinkState(strings: StringTable())
        graph = try GraphBuilder(location: location, state: state, part: part)
    }

    /// Decodes until the end or an error, handing batches to `queue`.
    func run() {
        defer { finished.signal() }
        while true {
            let step = graph.step()
            if !state.buffer.isEmpty {
                let strings = state.strings.strings
                let fresh = sentStrings < strings.count ? Array(strings[sentStrings...]) : []
                sentStrings = strings.count
                let batch = EventBatch(events: state.buffer, newStrings: fresh)
                state.buffer = []
                state.buffer.reserveCapacity(8192)
                if !queue.put(.batch(batch)) { return }
            }
            switch step {
            case .more:
                continue
            case .end:
                _ = queue.put(.end)
                return
            case .failed(let reason):
                _ = queue.put(.failed(reason))
                return
            }
        }
    }
}

extension TraceReader {
    /// Reads with one graph per part on its own thread and merges the parts by time.
    func readInParts(_ parts: [TracePart], _ body: (Event) throws -> Void) throws -> TraceInventory {
        for part in parts {
            let thread = Thread { part.run() }
            thread.stackSize = 1 << 22
            thread.start()
        }
        defer {
            for part in parts { part.queue.cancel() }
            for part in parts { part.waitUntilFinished(); part.graph.release() }
        }
        let n = parts.count
        var batches = [[Event]](repeating: [], count: n)
        var positions = [Int](repeating: 0, count: n)
        var remaps = [[Int32]](repeating: [], count: n)
        var live = [Bool](repeating: true, count: n)
        var delivered = 0
        var lastTime: Int64 = 0

        /// Makes sure part `p` has an event at its position, or marks it finished.
        func refill(_ p: Int) throws {
            while live[p] && positions[p] >= batches[p].count {
                switch parts[p].queue.take() ?? .end {
                case .batch(let batch):
                    for s in batch.newStrings { remaps[p].append(strings.intern(s)) }
                    batches[p] = batch.events
                    positions[p] = 0
                case .end:
                    live[p] = false
                    batches[p] = []
                case .failed(let reason):
                    throw TraceError.decodeFailed(path: location.path, reason: reason, eventsRead: delivered,
                                                  lastTime: delivered > 0 ? lastTime : nil)
                }
            }
        }

        for p in 0..<n { try refill(p) }
        while true {
            var best = -1
            var bestTime = Int64.max
            for p in 0..<n where live[p] {
                let t = batches[p][positions[p]].time
                if t < bestTime { bestTime = t; best = p }
            }
            if best < 0 { break }
            var event = batches[best][positions[best]]
            positions[best] += 1
            if event.s1 >= 0 { event.s1 = remaps[best][Int(event.s1)] }
            if event.s2 >= 0 { event.s2 = remaps[best][Int(event.s2)] }
            try body(event)
            delivered += 1
            lastTime = event.time
            if positions[best] >= batches[best].count { try refill(best) }
        }
        return SinkState.combinedInventory(parts.map(\.state), location: location)
    }
}

extension SinkState {
    /// The inventory of several parts read side by side.
    static func combinedInventory(_ states: [SinkState], location: TraceLocation) -> TraceInventory {
        var inventories = states.map { $0.inventory(location: location) }
        var result = inventories.removeFirst()
        var byName = Dictionary(uniqueKeysWithValues: result.eventsByName.map { ($0.name, $0.count) })
        var byCPU = Dictionary(uniqueKeysWithValues: result.eventsByCPU.map { ($0.cpu, $0.count) })
        for other in inventories {
            for row in other.eventsByName { byName[row.name, default: 0] += row.count }
            for row in other.eventsByCPU { byCPU[row.cpu, default: 0] += row.count }
            result.totalEvents += other.totalEvents
            result.discardedEvents += other.discardedEvents
            result.discardedPackets += other.discardedPackets
            result.hostname = result.hostname ?? other.hostname
            result.tracer = result.tracer ?? other.tracer
            if let first = other.firstTimeNs { result.firstTimeNs = min(result.firstTimeNs ?? first, first) }
            if let last = other.lastTimeNs { result.lastTimeNs = max(result.lastTimeNs ?? last, last) }
        }
        result.eventsByName = byName.map { TraceInventory.NameCount(name: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
        result.eventsByCPU = byCPU.map { TraceInventory.CPUCount(cpu: $0.key, count: $0.value) }.sorted { $0.cpu < $1.cpu }
        return result
    }
}
