import Foundation

/// How a trace is read: decoding threads, and whether the events only are decoded (to profile the
/// reader alone). The CLI sets these; libraries never read the environment.
public struct ReadingOptions: Sendable, Equatable {
    /// Decoding threads: each decodes a share of the stream ports, merged by time (1…8).
    public var threads: Int
    /// Decode every event but give none to the host model (profiling the reader).
    public var decodeOnly: Bool

    public init(threads: Int = ReadingOptions.defaultThreads, decodeOnly: Bool = false) {
        self.threads = min(max(threads, 1), 8)
        self.decodeOnly = decodeOnly
    }

    /// 2 on a machine with 2 or more cores, 1 otherwise.
    public static var defaultThreads: Int { min(2, ProcessInfo.processInfo.activeProcessorCount) }
}
