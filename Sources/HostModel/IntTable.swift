/// A hash table keyed by a small integer (a thread id, a VM index, a request address) that
/// hashes by one multiplication instead of Swift's seeded SipHash: the host model looks threads
/// up several times per event, and `Dictionary`'s hashing was the largest cost of the whole job
/// (issue 18).
///
/// Open addressing with linear probing, at most half full; removal shifts the following entries
/// back (no tombstones). Iteration order is the slot order: callers must not depend on it (as
/// with `Dictionary`).
public struct IntTable<Key: FixedWidthInteger, Value>: Sequence {
    private var keys: [Key]
    private var slots: [Value?]
    private var mask: Int
    private var shift: Int
    public private(set) var count = 0

    public init() {
        keys = Array(repeating: 0, count: 16)
        slots = Array(repeating: nil, count: 16)
        mask = 15
        shift = 64 - 4
    }

    public var isEmpty: Bool { count == 0 }

    @inline(__always)
    private func home(_ key: Key) -> Int {
        Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: key) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    /// The slot holding `key`, or the empty slot where it would go (negated minus one).
    @inline(__always)
    private func find(_ key: Key) -> Int {
        var i = home(key)
        while true {
            guard slots[i] != nil else { return -i - 1 }
            if keys[i] == key { return i }
            i = (i + 1) & mask
        }
    }

    public subscript(key: Key) -> Value? {
        @inline(__always) get {
            let i = find(key)
            return i >= 0 ? slots[i] : nil
        }
        set {
            let i = find(key)
            if let newValue {
                if i >= 0 { slots[i] = newValue } else { insert(key, newValue, at: -i - 1) }
            } else if i >= 0 {
                remove(at: i)
            }
        }
    }

    /// The value of `key`, `defaultValue` inserted first when absent.
    public subscript(key: Key, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self[key] ?? defaultValue() }
        _modify {
            var i = find(key)
            if i < 0 { i = insert(key, defaultValue(), at: -i - 1) }
            yield &slots[i]!
        }
    }

    /// Where `key` is held, nil when absent: valid until the next insertion or removal (an
    /// update in place keeps it), for a caller that reads and writes one entry in one pass.
    @inline(__always)
    public func slot(of key: Key) -> Int? {
        let i = find(key)
        return i >= 0 ? i : nil
    }

    /// The value at a `slot(of:)` that is still valid.
    public subscript(slot slot: Int) -> Value {
        @inline(__always) get { slots[slot]! }
        @inline(__always) set { slots[slot] = newValue }
    }

    @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        let i = find(key)
        guard i >= 0 else { return nil }
        let old = slots[i]
        remove(at: i)
        return old
    }

    /// Calls `body` on every entry, which it may change in place.
    public mutating func updateEach(_ body: (Key, inout Value) -> Void) {
        for i in slots.indices where slots[i] != nil { body(keys[i], &slots[i]!) }
    }

    /// Keeps only the entries `keep` accepts.
    public mutating func keep(where keep: (Key, Value) -> Bool) {
        var kept = IntTable()
        for (key, value) in self where keep(key, value) { kept[key] = value }
        self = kept
    }

    /// The values, in slot order.
    public var values: [Value] { slots.compactMap { $0 } }
    /// The keys, in slot order.
    public var keyList: [Key] { slots.indices.compactMap { slots[$0] != nil ? keys[$0] : nil } }

    @discardableResult
    private mutating func insert(_ key: Key, _ value: Value, at slot: Int) -> Int {
        if (count + 1) * 2 > mask + 1 {
            grow()
            let i = find(key)
            return insert(key, value, at: -i - 1)
        }
        keys[slot] = key
        slots[slot] = value
        count += 1
        return slot
    }

    private mutating func remove(at slot: Int) {
        var hole = slot
        var j = slot
        while true {
            j = (j + 1) & mask
            guard slots[j] != nil else { break }
            let h = home(keys[j])
            // The entry at j may move into the hole when its home is not cyclically in (hole, j].
            let between = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
            if !between {
                keys[hole] = keys[j]
                slots[hole] = slots[j]
                hole = j
            }
        }
        slots[hole] = nil
        count -= 1
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = slots
        let size = (mask + 1) * 2
        keys = Array(repeating: 0, count: size)
        slots = Array(repeating: nil, count: size)
        mask = size - 1
        shift -= 1
        count = 0
        for i in oldValues.indices {
            if let v = oldValues[i] {
                let slot = find(oldKeys[i])
                keys[-slot - 1] = oldKeys[i]
                slots[-slot - 1] = v
                count += 1
            }
        }
    }

    public func makeIterator() -> Iterator { Iterator(table: self) }

    /// The entries in slot order.
    public struct Iterator: IteratorProtocol {
        let table: IntTable
        var i = 0

        public mutating func next() -> (key: Key, value: Value)? {
            while i < table.slots.count {
                defer { i += 1 }
                if let v = table.slots[i] { return (table.keys[i], v) }
            }
            return nil
        }
    }
}
