/// Storage for the per-event PT code (`PTStateMachine` and its sinks `PTStats.Totals`, `PTWindowFeatures.Rows`):
/// the event loop touches only these, never a Swift Dictionary (SipHash per lookup) nor a
/// Swift Array it mutates (a uniqueness check per write).

/// An open-addressing map from a pair of 64-bit keys to a dense index 0, 1, 2, … in insertion order.
struct PairIndex {
    private var keys: [(UInt64, UInt64)]
    private var slots: [Int32]          // -1 empty, else index into `keys`
    private var mask: Int
    var count: Int { keys.count }

    init() {
        keys = []
        slots = [Int32](repeating: -1, count: 64)
        mask = 63
    }

    private static func hash(_ a: UInt64, _ b: UInt64) -> Int {
        var h = (a ^ (b &* 0x9e37_79b9_7f4a_7c15)) &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    /// The index of (a, b), or nil.
    func find(_ a: UInt64, _ b: UInt64) -> Int? {
        var i = Self.hash(a, b) & mask
        while true {
            let s = Int(slots[i])
            if s < 0 { return nil }
            if keys[s].0 == a && keys[s].1 == b { return s }
            i = (i + 1) & mask
        }
    }

    /// The index of (a, b), added (as `count`) when new; `isNew` tells which.
    mutating func index(_ a: UInt64, _ b: UInt64) -> (index: Int, isNew: Bool) {
        if let s = find(a, b) { return (s, false) }
        keys.append((a, b))
        if keys.count * 2 > slots.count { grow() } else { place(keys.count - 1) }
        return (keys.count - 1, true)
    }

    func key(_ index: Int) -> (UInt64, UInt64) { keys[index] }

    private mutating func place(_ k: Int) {
        var i = Self.hash(keys[k].0, keys[k].1) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = Int32(k)
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for k in keys.indices { place(k) }
    }
}

/// A growable buffer of trivial values written through a pointer (no copy-on-write check).
final class Counters<T> {
    @exclusivity(unchecked) private(set) var base: UnsafeMutablePointer<T>
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var capacity: Int
    private let zero: T

    init(zero: T, count: Int = 0) {
        self.zero = zero
        capacity = max(16, count)
        base = .allocate(capacity: capacity)
        append(zero, times: count)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always) subscript(i: Int) -> T {
        get { base[i] }
        set { base[i] = newValue }
    }

    func append(_ v: T, times n: Int = 1) {
        if count + n > capacity {
            let c = max(capacity * 2, count + n)
            let b = UnsafeMutablePointer<T>.allocate(capacity: c)
            b.moveInitialize(from: base, count: count)
            base.deallocate()
            base = b
            capacity = c
        }
        (base + count).initialize(repeating: v, count: n)
        count += n
    }

    /// Grows to `n` elements, new ones zero.
    func ensure(_ n: Int) { if n > count { append(zero, times: n - count) } }

    var array: [T] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
