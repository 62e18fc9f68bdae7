/// The bytes on the shared resources of one kind (block devices, or network links) that a VM used:
/// its own and everyone's, summed over a span of windows (`TrailingSharedUse` says which resources
/// count as the VM's); bytes no owner was found for count for nobody.
public struct SharedUse: Sendable, Equatable {
    public var ownBytes: Int64
    public var allBytes: Int64

    public init(ownBytes: Int64 = 0, allBytes: Int64 = 0) {
        self.ownBytes = ownBytes
        self.allBytes = allBytes
    }

    /// The others' share of the bytes (0 when nobody moved any): a share, so it reads the same
    /// on a 2 Mbit/s link and on a 10 Gbit/s one.
    public var othersShare: Double { allBytes > 0 ? Double(allBytes - ownBytes) / Double(allBytes) : 0 }

    /// The VM's own share of the bytes (nil when nobody moved any).
    public var ownShare: Double? { allBytes > 0 ? Double(ownBytes) / Double(allBytes) : nil }

    static func + (a: SharedUse, b: SharedUse) -> SharedUse {
        SharedUse(ownBytes: a.ownBytes + b.ownBytes, allBytes: a.allBytes + b.allBytes)
    }
}

/// A VM's `SharedUse` of one kind of resource (devices, or links) over its last `memory` windows.
/// A resource stays the VM's for `association` windows after it last moved bytes on it: a victim
/// starved of its link sends nothing for a while, and the others' bytes on that link are then all
/// there is to see. Summed over `memory` windows, a sender whose traffic comes in bursts (a TSO
/// segment of 64 KB every few windows) is judged on its rate, not on the window it happened to hit.
public struct TrailingSharedUse: Sendable {
    private var lastUsed: [String: Int64] = [:]
    private var sums = TrailingSum<SharedUse>()

    public init() {}

    /// Adds window `index`'s bytes (by resource, then user) and returns the sums over the last
    /// `memory` windows, this one included.
    public mutating func push(index: Int64, user: String, bytes: [String: [String: Int64]], memory: Int, association: Int) -> SharedUse {
        for (resource, users) in bytes where users[user] != nil { lastUsed[resource] = index }
        var use = SharedUse()
        for (resource, last) in lastUsed {
            guard index - last <= Int64(max(0, association)) else { lastUsed[resource] = nil; continue }
            guard let users = bytes[resource] else { continue }
            use.ownBytes += users[user] ?? 0
            use.allBytes += users.values.reduce(0, +)
        }
        return sums.push(use, memory: memory)
    }
}

/// A value that adds up window by window (`SharedUse`, `DelaySum`): its empty value is `init()`.
protocol WindowSum: Sendable {
    init()
    static func + (a: Self, b: Self) -> Self
}

extension SharedUse: WindowSum {
    init() { self.init(ownBytes: 0, allBytes: 0) }
}

extension DelaySum: WindowSum {
    init() { self.init(totalNs: 0, count: 0) }
}

/// The sum of a value over the last `memory` windows pushed (this one included): a ring.
struct TrailingSum<Value: WindowSum>: Sendable {
    private var ring: [Value] = []
    private var next = 0

    mutating func push(_ window: Value, memory: Int) -> Value {
        let memory = max(1, memory)
        if ring.count < memory { ring.append(window) } else { ring[next] = window }
        next = (next + 1) % memory
        return ring.reduce(Value(), +)
    }
}

/// A sum of delays and how many there were (their mean is the sum over the count; 0 when none).
public struct DelaySum: Sendable, Equatable {
    public var totalNs: Int64
    public var count: Int

    public init(totalNs: Int64 = 0, count: Int = 0) {
        self.totalNs = totalNs
        self.count = count
    }

    public init(_ delays: [Int64]) {
        self.init(totalNs: delays.reduce(0, &+), count: delays.count)
    }

    /// The mean delay, ns (0 when there is none).
    public var meanNs: Double { count > 0 ? Double(totalNs) / Double(count) : 0 }

    static func + (a: DelaySum, b: DelaySum) -> DelaySum {
        DelaySum(totalNs: a.totalNs &+ b.totalNs, count: a.count + b.count)
    }
}
