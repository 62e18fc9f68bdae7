/// A binary min-heap ordered by (time, sequence): ties leave in insertion order, so the
/// simulation is deterministic.
struct TimedHeap<Element> {
    private var items: [(time: Int64, seq: UInt64, element: Element)] = []
    private var sequence: UInt64 = 0

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    var minTime: Int64? { items.first?.time }

    mutating func push(_ time: Int64, _ element: Element) {
        sequence += 1
        items.append((time, sequence, element))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if less(i, parent) { items.swapAt(i, parent); i = parent } else { break }
        }
    }

    mutating func pop() -> (time: Int64, element: Element)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && less(l, m) { m = l }
            if r < items.count && less(r, m) { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return (top.time, top.element)
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        items[a].time != items[b].time ? items[a].time < items[b].time : items[a].seq < items[b].seq
    }
}
