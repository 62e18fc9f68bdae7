import CBabeltrace2
import Foundation

/// Reads an LTTng live session through libbabeltrace2's `src.ctf.lttng-live`
/// (`net://RELAY/host/HOSTNAME/SESSION`) → `flt.utils.muxer` → the same sink as `TraceReader`,
/// handing every event, normalized, to the caller in time order as the relay delivers it.
///
/// It follows the session until it ends (the relay says it is destroyed, after events were read).
/// When the relay drops, cannot be reached, or has no such session yet, it builds the graph again after a pause that doubles from
/// `RetryPolicy.firstDelay` up to `maximumDelay`; the events of a reattached session older than
/// the last one handed on are skipped. Strings are interned in one table across connections.
public final class LiveTraceReader {
    /// How long to wait before connecting again, and how often.
    public struct RetryPolicy: Sendable {
        public var firstDelay: Double
        public var maximumDelay: Double
        /// Failed connections in a row before giving up; nil: never give up.
        public var attempts: Int?

        public init(firstDelay: Double = 0.1, maximumDelay: Double = 5, attempts: Int? = nil) {
            self.firstDelay = firstDelay
            self.maximumDelay = maximumDelay
            self.attempts = attempts
        }

        /// The pause before the `n`-th attempt in a row (n ≥ 1).
        public func delay(attempt n: Int) -> Double {
            min(maximumDelay, firstDelay * pow(2, Double(max(0, n - 1))))
        }
    }

    /// What the reader has seen so far (read by the caller between events, e.g. for metrics).
    public struct Progress: Sendable, Equatable {
        public var events = 0
        public var discardedEvents = 0
        public var reconnections = 0
        public var lastTimeNs: Int64?
        public var hostname: String?
    }

    public let url: String
    public let strings: StringTable
    public let retry: RetryPolicy
    public private(set) var progress = Progress()

    public init(url: String, strings: StringTable = StringTable(), retry: RetryPolicy = .init()) {
        self.url = url
        self.strings = strings
        self.retry = retry
    }

    /// Reads until the session ends or `shouldStop` says so (checked between graph runs, at
    /// least every few tens of ms). `onRetry` hears each lost connection (its reason and the
    /// pause before the next attempt); `afterBatch` is called after the events of each graph run
    /// (also an empty one), when `progress` is up to date. Throws `TraceError.unreadable` when the
    /// retries run out.
    public func read(shouldStop: () -> Bool = { false }, onRetry: ((String, Double) -> Void)? = nil,
                     afterBatch: (() -> Void)? = nil, _ body: (Event) throws -> Void) throws {
        var failures = 0
        while !shouldStop() {
            let state = SinkState(strings: strings)
            // No plugin or bad parameters: retrying cannot help, so this throws.
            let graph = try GraphBuilder(liveURL: url, state: state)
            var delivered = false
            var reason: String?
            var discardedBefore = 0
            loop: while !shouldStop() {
                let step = graph.step()
                let buffer = state.buffer
                state.buffer.removeAll(keepingCapacity: true)
                for e in buffer {
                    if let last = progress.lastTimeNs, progress.reconnections > 0, !delivered, e.time < last { continue }
                    delivered = true
                    progress.events += 1
                    progress.lastTimeNs = e.time
                    try body(e)
                }
                if state.discardedEvents != discardedBefore {
                    progress.discardedEvents += state.discardedEvents - discardedBefore
                    discardedBefore = state.discardedEvents
                }
                if progress.hostname == nil { progress.hostname = state.hostname }
                afterBatch?()
                switch step {
                case .more:
                    if buffer.isEmpty { usleep(10_000) }
                case .end:
                    // After events: the session was destroyed. Before any: it is not there (yet).
                    if progress.events > 0 {
                        graph.release()
                        return
                    }
                    reason = "no session \(url) on the relay yet"
                    break loop
                case .failed(let why):
                    reason = why
                    break loop
                }
            }
            graph.release()
            guard let reason else { return }   // stopped
            failures = state.totalEvents > 0 ? 1 : failures + 1
            if let attempts = retry.attempts, failures > attempts {
                throw TraceError.unreadable(path: url, reason: "the relay is not answering (\(reason))")
            }
            let pause = retry.delay(attempt: failures)
            onRetry?(reason, pause)
            progress.reconnections += 1
            var waited = 0.0
            while waited < pause && !shouldStop() { usleep(20_000); waited += 0.02 }
        }
    }
}
