/// How a trace is read: decoding threads, and whether the events only are decoded (to profile the
/// reader alone). The CLI sets these (from the machine's cores and its environment); libraries
/// never read the environment or the machine, and default to one graph.
public struct ReadingOptions: Sendable, Equatable {
    /// Decoding threads: each decodes a share of the stream ports, merged by time (1…8).
    public var threads: Int
    /// Decode every event but give none to the host model (profiling the reader).
    public var decodeOnly: Bool

    public init(threads: Int = 1, decodeOnly: Bool = false) {
        self.threads = min(max(threads, 1), 8)
        self.decodeOnly = decodeOnly
    }
}
