/// Why a trace could not be read, naming the path and the problem.
///
/// Every case renders as one line (`description`), which is what the CLI prints.
public enum TraceError: Error, CustomStringConvertible, Equatable, Sendable {
    case notFound(path: String)
    case notADirectory(path: String)
    case emptyDirectory(path: String)
    case noMetadata(path: String)
    case unreadable(path: String, reason: String)
    /// Decoding stopped partway: how far it got.
    case decodeFailed(path: String, reason: String, eventsRead: Int, lastTime: Int64?)
    case library(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            return "\(path): no such file or folder"
        case .notADirectory(let path):
            return "\(path): is a file, not a trace folder (give the folder that holds `metadata`)"
        case .emptyDirectory(let path):
            return "\(path): the folder is empty, no trace in it"
        case .noMetadata(let path):
            return "\(path): no CTF trace found (no `metadata` file in it or below it)"
        case .unreadable(let path, let reason):
            return "\(path): cannot open the trace: \(reason)"
        case .decodeFailed(let path, let reason, let eventsRead, let lastTime):
            let at = lastTime.map { "last timestamp \($0) ns" } ?? "no timestamp read"
            return "\(path): decoding stopped after \(eventsRead) events (\(at)): \(reason)"
        case .library(let path, let reason):
            return "\(path): libbabeltrace2: \(reason)"
        }
    }
}
