/// The range an event's time is kept in: libbabeltrace2 gives any 64-bit ns value (a corrupt
/// timestamp, an all-ones counter, a huge clock offset); clamped to ±2^62 ns (±146 years from the
/// clock's origin) every difference of two times and every window bound fits in 64 bits.
public enum EventTime {
    public static let limit: Int64 = 1 << 62

    @inline(__always)
    public static func clamped(_ ns: Int64) -> Int64 { Swift.min(Swift.max(ns, -limit), limit) }

    /// A lone far-future timestamp is one more than this after the event before it (in time
    /// order: CTF after the muxer, PT within one CPU's stream): one hour with no event at all.
    public static let farJumpNs: Int64 = 3_600_000_000_000
}

/// CPU numbers: a `cpu_id` or `perf_cpu` outside 0..<4096 is no CPU (an event on the "unknown
/// CPU", cpu -1), never an index.
public enum EventCPU {
    public static let limit = 4096

    @inline(__always)
    public static func checked(_ value: Int64) -> Int32 { value >= 0 && value < Int64(limit) ? Int32(value) : -1 }
}

/// `total + value`, stopping at `Int.max` (event and packet counts read from the trace).
@inline(__always)
func saturatingSum(_ total: Int, _ value: UInt64) -> Int {
    let (sum, overflow) = total.addingReportingOverflow(Int(clamping: value))
    return overflow ? .max : sum
}
