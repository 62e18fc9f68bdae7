import Foundation

/// A temporary file nobody else can see and nothing can leave behind: made in a folder of its own
/// (`mkdtemp`) inside a given folder, opened, then its name and the folder are removed at once, so
/// the open file lives until it is released and nothing is left on disk whatever ends the process
/// (exit, signal, crash). Read and written at offsets; a failed write (a full disk: ENOSPC) or
/// read throws `Failure`, naming the file and the system's reason, instead of trapping. What the
/// feature rows (`RowSpool`) and the evidence (`EvidenceFile`) wait in.
public final class PrivateTemporaryFile {
    /// A write or a read of the temporary file failed.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        /// The file's path (its name is removed as soon as it is open: the path tells the folder).
        public var path: String
        /// What the file holds, e.g. `the feature rows`.
        public var contents: String
        /// `write` or `read back`.
        public var operation: String
        /// The system's reason (`strerror`), or what went wrong.
        public var reason: String
        public var description: String { "\(path): cannot \(operation) the temporary file of \(contents): \(reason)" }
        public init(path: String, contents: String, operation: String, reason: String) {
            self.path = path; self.contents = contents; self.operation = operation; self.reason = reason
        }
    }

    /// Where the file was made (its name is already removed).
    public let path: String
    /// What it holds, for the messages.
    public let contents: String
    private let descriptor: Int32
    /// Bytes appended so far (`append`): where the next append goes.
    public private(set) var length = 0
    /// The first append that failed: every later append throws it again and writes nothing.
    private var appendFailure: Failure?

    /// Makes the file as `directory/PREFIX-XXXXXX/name`, opens it, removes its name and folder.
    public init(directory: URL, prefix: String, name: String, contents: String) throws {
        var template = Array(directory.appendingPathComponent("\(prefix)-XXXXXX").path.utf8CString)
        guard let made = mkdtemp(&template) else {
            throw AtomicOutput.Failure(path: directory.path, reason: "no temporary folder for \(contents): \(String(cString: strerror(errno)))")
        }
        let folder = String(cString: made)
        let file = folder + "/" + name
        defer { unlink(file); rmdir(folder) }
        let fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AtomicOutput.Failure(path: directory.path, reason: "no temporary file for \(contents): \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        path = file
        self.contents = contents
    }

    /// Opens an existing file read-write in its place (e.g. `/dev/full`, whose every write fails
    /// with ENOSPC: how tests make a full disk).
    public init(opening path: String, contents: String) throws {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, contents: contents, operation: "open", reason: String(cString: strerror(errno))) }
        descriptor = fd
        self.path = path
        self.contents = contents
    }

    deinit { close(descriptor) }

    /// Writes all of `bytes` at byte `offset`.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure("write", n == 0 ? "nothing was written" : String(cString: strerror(errno))) }
            done += n
        }
    }

    /// Writes all of `bytes` after those appended before. The spools append from the host model's
    /// callbacks, which cannot throw: once an append failed, every later one throws that first
    /// failure again (an empty one too), so whoever flushes next reports it.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        if let appendFailure { throw appendFailure }
        do { try write(bytes, at: length) } catch let failure as Failure {
            appendFailure = failure
            throw failure
        }
        length += bytes.count
    }

    /// Fills all of `bytes` from byte `offset`; the file ending first is a failure too.
    public func read(into bytes: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pread(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw failure("read back", n == 0 ? "it ends before byte \(offset + bytes.count)" : String(cString: strerror(errno)))
            }
            done += n
        }
    }

    private func failure(_ operation: String, _ reason: String) -> Failure {
        Failure(path: path, contents: contents, operation: operation, reason: reason)
    }
}
