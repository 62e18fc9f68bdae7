import HeapModule

/// A min-heap ordered by (time, sequence), on swift-collections' `Heap`: ties leave in insertion
/// order, so the simulation is deterministic.
struct TimedHeap<Element> {
    /// One queued element; ordered by (time, seq) only (seq is unique, so the order is total).
    private struct Entry: Comparable {
        var time: Int64
        var seq: UInt64
        var element: Element
        static func == (a: Entry, b: Entry) -> Bool { a.time == b.time && a.seq == b.seq }
        static func < (a: Entry, b: Entry) -> Bool { a.time != b.time ? a.time < b.time : a.seq < b.seq }
    }
    private var items = Heap<Entry>()
    private var sequence: UInt64 = 0

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    var minTime: Int64? { items.min?.time }

    mutating func push(_ time: Int64, _ element: Element) {
        sequence += 1
        items.insert(Entry(time: time, seq: sequence, element: element))
    }

    mutating func pop() -> (time: Int64, element: Element)? {
        items.popMin().map { ($0.time, $0.element) }
    }
}
