import Diagnosis
import Foundation
import HostModel
import Prometheus

/// What `watch --metrics` exposes, kept in a swift-prometheus registry and set from the scorer
/// and the reader between events (the registry's metrics are thread-safe; the server reads them).
///
/// - `interfere_interference_probability{vm,kind}`: P(interfered) of the VM's last scored window
///   (after the evidence gate) under the kind the model found most likely, 0 under the others.
/// - `interfere_open_periods`: periods opened and not yet closed.
/// - `interfere_periods_total{culprit}`: periods closed that `score` lists, by culprit (`none`
///   when no single one stands out).
/// - `interfere_events_read_total`, `interfere_discarded_events_total`: events read, and those the
///   tracer reported lost.
/// - `interfere_trace_clock_seconds`: the trace-clock time of the last event read;
///   `interfere_lag_seconds`: how far the last scored window's end is behind it.
final class WatchMetrics {
    let registry = PrometheusCollectorRegistry()
    private let openPeriods: Gauge
    private let eventsRead: Counter
    private let discarded: Counter
    private let traceClock: Gauge
    private let lag: Gauge
    private var probability: [String: [InterferenceKind: Gauge]] = [:]
    private var periods: [String: Counter] = [:]
    private var countedEvents = 0
    private var countedDiscarded = 0
    /// Kinds a window can be interfered with (the labels of the probability).
    private static let kinds = InterferenceKind.allCases.filter { $0 != .none }

    /// `interfere_NAME_UNIT`, with its help line.
    private static func name(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "interfere", metricName: name, unitName: unit, helpText: help)
    }

    init() {
        openPeriods = registry.makeGauge(descriptor: Self.name("open", "periods", "Interference periods opened and not yet closed"))
        eventsRead = registry.makeCounter(descriptor: Self.name("events_read", "total", "Trace events read"))
        discarded = registry.makeCounter(descriptor: Self.name("discarded_events", "total", "Events the tracer reported discarded"))
        traceClock = registry.makeGauge(descriptor: Self.name("trace_clock", "seconds", "Trace-clock time of the last event read"))
        lag = registry.makeGauge(descriptor: Self.name("lag", "seconds", "Trace time between the last event read and the end of the last scored window"))
    }

    /// A period change from the scorer: a close that `score` lists counts for its culprit.
    func count(_ change: PeriodChange) {
        guard change.change == .closed, change.reported else { return }
        let culprit = change.report.culprit.name ?? "none"
        if periods[culprit] == nil {
            periods[culprit] = registry.makeCounter(descriptor: Self.name("periods", "total", "Interference periods closed, by culprit"),
                                                    labels: [("culprit", culprit)])
        }
        periods[culprit]!.increment()
    }

    /// The state after a batch of events: the reader's totals and the scorer's latest windows.
    func update(events: Int, discardedEvents: Int, lastTimeNs: Int64?, scorer: LiveScorer) {
        if events > countedEvents { eventsRead.increment(by: Int64(events - countedEvents)); countedEvents = events }
        if discardedEvents > countedDiscarded {
            discarded.increment(by: Int64(discardedEvents - countedDiscarded))
            countedDiscarded = discardedEvents
        }
        openPeriods.set(Double(scorer.open.count))
        var lastWindowEnd: Int64?
        for (vm, score) in scorer.latest {
            if probability[vm] == nil {
                probability[vm] = Dictionary(uniqueKeysWithValues: Self.kinds.map {
                    ($0, registry.makeGauge(descriptor: Self.name("interference", "probability", "P(interfered) of the VM's last scored window, under its most likely kind"),
                                            labels: [("vm", vm), ("kind", $0.rawValue)]))
                })
            }
            for (kind, gauge) in probability[vm]! { gauge.set(kind == score.kind ? score.probability : 0) }
            lastWindowEnd = max(lastWindowEnd ?? score.endNs, score.endNs)
        }
        if let lastTimeNs {
            traceClock.set(Double(lastTimeNs) / 1e9)
            if let lastWindowEnd { lag.set(Double(max(0, lastTimeNs - lastWindowEnd)) / 1e9) }
        }
    }
}
