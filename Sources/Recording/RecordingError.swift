/// A recording that cannot be read as asked.
public enum RecordingError: Error, CustomStringConvertible, Equatable {
    /// No machine of the folder at `path` has that hostname.
    case noMachine(path: String, hostname: String, machines: [String])

    public var description: String {
        switch self {
        case .noMachine(let path, let hostname, let machines):
            return "\(path): no machine with hostname `\(hostname)` (machines: \(machines.joined(separator: ", ")))"
        }
    }
}
