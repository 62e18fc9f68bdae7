import Foundation

/// Progress lines on stderr when it is a terminal; silent otherwise.
enum Progress {
    static let enabled = isatty(STDERR_FILENO) != 0 || ProcessInfo.processInfo.environment[Supervisor.progressVariable] == "1"

    static func say(_ message: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("interfere: \(message)\n".utf8))
    }
}
