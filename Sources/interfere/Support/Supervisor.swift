import AtomicOutput
import Foundation

/// The write end of the pipe the supervising parent's signal handler writes to (a C handler
/// captures nothing).
nonisolated(unsafe) private var signalWriteFD: Int32 = -1

/// Runs the command in a child process of this same binary, so that an abort inside
/// libbabeltrace2 (an assertion, a precondition, GLib failing to allocate) or any crash becomes
/// one line and exit status 2, and no temporary file outlives the run.
///
/// The child inherits stdin and stdout unchanged (no event or output crosses a pipe). Its stderr
/// comes through a pipe: lines starting `interfere:` (errors, warnings, progress) are passed on at
/// once, anything else is held and printed at the end (or read for the abort's reason). A second
/// pipe (fd 3 in the child) carries only the names of the temporary files the child may create;
/// the parent removes those when the child is done, whatever its end. SIGINT, SIGTERM and SIGHUP
/// sent to the parent are passed to the child; the parent then cleans up and ends by the same
/// signal. The child's memory is bounded (`MemoryBound`): a library's huge allocation fails
/// fast and becomes the same one line; so does the child's own resident memory passing its
/// bound (checked every 50 ms: the child is ended with SIGKILL). `INTERFERE_IN_PROCESS=1` runs the command in this
/// process instead (no bound).
enum Supervisor {
    /// Set in the child's environment: the number of its control descriptor.
    static let childVariable = "INTERFERE_CHILD"
    static let progressVariable = "INTERFERE_PROGRESS"
    private static let controlFD: Int32 = 3
    private static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Whether this process is the supervised child.
    static let isChild = ProcessInfo.processInfo.environment[childVariable] != nil

    /// Whether to run the command in a child (not in the child itself, not when disabled).
    static var shouldSupervise: Bool {
        let env = ProcessInfo.processInfo.environment
        return env[childVariable] == nil && env["INTERFERE_IN_PROCESS"] != "1"
    }

    // MARK: - Child side

    /// Tells the parent that `path` (a file or folder) is a temporary the child may leave behind.
    static func noteTemporary(_ path: String) {
        guard isChild else { return }
        let line = "temp \(path)\n"
        _ = line.withCString { write(controlFD, $0, strlen($0)) }
    }

    /// The temporary name the CLI's writers use for `output`: `.NAME.tmp-PID` beside it,
    /// announced to the parent first.
    @discardableResult
    static func temporary(for output: String) -> String {
        let path = AtomicOutput.temporaryURL(for: URL(fileURLWithPath: output)).path
        noteTemporary(path)
        return path
    }

    // MARK: - Parent side

    /// Runs `arguments` (without the program name) in a child and returns its exit status, or
    /// ends this process by the signal that was passed on.
    static func run(arguments: [String]) -> Int32 {
        // A handler, not a blocked mask: a mask binds only the thread that sets it, and the
        // runtime's threads started before this one would take the signal's default (the parent
        // killed, the child orphaned and writing on). The handler, on whatever thread, writes
        // the signal's number to a pipe that the loop below polls.
        var signalPipe: [Int32] = [0, 0]
        guard pipe(&signalPipe) == 0 else { return -1 }
        for fd in signalPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC); _ = fcntl(fd, F_SETFL, O_NONBLOCK) }
        signalWriteFD = signalPipe[1]
        var previous = sigset_t()
        var unblock = sigset_t()
        sigemptyset(&unblock)
        var handled: [Int32] = []
        for s in forwarded {
            var old = sigaction()
            sigaction(s, nil, &old)
            // Ignored when we started (nohup, a script's background job): stays ignored, here and
            // in the child, as the one who started us asked.
            if let h = old.__sigaction_handler.sa_handler, unsafeBitCast(h, to: Int.self) == 1 /* SIG_IGN */ { continue }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { s in
                var byte = UInt8(truncatingIfNeeded: s)
                _ = write(signalWriteFD, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(s, &action, nil)
            sigaddset(&unblock, s)
            handled.append(s)
        }
        // Whatever started us may have blocked them.
        pthread_sigmask(SIG_UNBLOCK, &unblock, &previous)
        signal(SIGPIPE, SIG_IGN)
        defer { close(signalPipe[0]); close(signalPipe[1]) }

        var errPipe: [Int32] = [0, 0], ctlPipe: [Int32] = [0, 0]
        // The child could not be started: the caller runs the command here, as it was started.
        func restore() {
            for s in handled { signal(s, SIG_DFL) }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        guard pipe(&errPipe) == 0, pipe(&ctlPipe) == 0 else {
            restore()
            return -1
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], STDERR_FILENO)
        posix_spawn_file_actions_adddup2(&actions, ctlPipe[1], controlFD)
        for fd in [errPipe[0], errPipe[1], ctlPipe[0], ctlPipe[1]] where fd != controlFD && fd != STDERR_FILENO {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        // The child gets this process's mask as it was, with the passed-on signals unblocked
        // (whatever started us may have blocked them; the child must die of them).
        var childMask = previous
        for s in forwarded { sigdelset(&childMask, s) }
        posix_spawnattr_setsigmask(&attributes, &childMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))

        var env = ProcessInfo.processInfo.environment
        env[childVariable] = String(controlFD)
        if isatty(STDERR_FILENO) != 0 { env[progressVariable] = "1" }
        // A crash report of many seconds would be cut short anyway: the parent names the crash.
        if env["SWIFT_BACKTRACE"] == nil { env["SWIFT_BACKTRACE"] = "enable=no" }
        let program = "/proc/self/exe"
        let argv = [CommandLine.arguments.first ?? "interfere"] + arguments
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        let bound: UInt64?, resident: UInt64?
        do {
            bound = try MemoryBound.bytes(env[MemoryBound.variable], command: arguments.first)
            resident = try MemoryBound.residentBytes(env[MemoryBound.residentVariable], command: arguments.first)
        } catch {
            FileHandle.standardError.write(Data("interfere: \(error)\n".utf8))
            return 2
        }
        var pid: pid_t = 0
        // The child inherits the bound (posix_spawn has no attribute for it): lowered here for
        // the spawn only, the parent's own limit restored at once.
        var ownLimit = rlimit()
        getrlimit(RLIMIT_DATA_ID, &ownLimit)
        var applied: UInt64?
        if let bound, bound < ownLimit.rlim_cur {
            var lowered = ownLimit
            lowered.rlim_cur = rlim_t(bound)
            if setrlimit(RLIMIT_DATA_ID, &lowered) == 0 { applied = bound }
        }
        let spawned = posix_spawn(&pid, program, &actions, &attributes, cArgs, cEnv)
        if applied != nil { setrlimit(RLIMIT_DATA_ID, &ownLimit) }
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
        close(errPipe[1]); close(ctlPipe[1])
        guard spawned == 0 else {
            close(errPipe[0]); close(ctlPipe[0])
            restore()
            return -1
        }

        var relay = StderrRelay()
        var control = LineBuffer()
        var openFDs = [errPipe[0], ctlPipe[0]]
        var received: Int32 = 0
        var status: Int32 = 0
        var reaped = false
        var usage = rusage()
        var buffer = [UInt8](repeating: 0, count: 65536)
        // The child's own resident memory when it passed `resident` and was ended for it.
        var residentPast: UInt64?
        var lastResidentCheck = DispatchTime.now().uptimeNanoseconds
        while !reaped || !openFDs.isEmpty {
            var fds = (openFDs + [signalPipe[0]]).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            // Both pipes closed: the child is ending, its status comes within moments.
            let ready = poll(&fds, nfds_t(fds.count), reaped ? 1000 : openFDs.isEmpty ? 2 : resident != nil ? 50 : 100)
            if let resident, !reaped, residentPast == nil, DispatchTime.now().uptimeNanoseconds - lastResidentCheck >= 50_000_000 {
                lastResidentCheck = DispatchTime.now().uptimeNanoseconds
                if let now = MemoryBound.residentAnonymous(pid: pid), now > resident {
                    residentPast = now
                    kill(pid, SIGKILL)
                }
            }
            // After the child's end its pipes reach EOF at once, unless something it started holds them.
            if reaped && ready <= 0 { break }
            for p in fds where p.revents != 0 {
                if p.fd == signalPipe[0] {
                    // A signal for this process: pass it on.
                    var byte: UInt8 = 0
                    while read(signalPipe[0], &byte, 1) == 1 {
                        received = Int32(byte)
                        if !reaped { kill(pid, received) }
                    }
                    continue
                }
                let n = read(p.fd, &buffer, buffer.count)
                if n <= 0 {
                    close(p.fd)
                    openFDs.removeAll { $0 == p.fd }
                    continue
                }
                let bytes = buffer[0..<n]
                if p.fd == errPipe[0] { relay.take(bytes) } else { control.take(bytes) }
            }
            if !reaped, wait4(pid, &status, WNOHANG, &usage) == pid { reaped = true }
        }
        for fd in openFDs { close(fd) }
        relay.finishLines()
        for line in control.lines() where line.hasPrefix("temp ") {
            removeTemporary(String(line.dropFirst(5)))
        }

        let signalled = status & 0x7f != 0 && status & 0x7f != 0x7f
        if signalled {
            let s = status & 0x7f
            if received != 0 {
                // Interrupted by the user (or a supervisor): end the same way, files removed.
                relay.flushHeld()
                signal(received, SIG_DFL)
                var only = sigset_t()
                sigemptyset(&only)
                sigaddset(&only, received)
                pthread_sigmask(SIG_UNBLOCK, &only, nil)
                raise(received)
                return 128 + received
            }
            let line = residentPast.map { now in
                "out of memory while reading \(inputName(arguments)) (\(String(format: "%.1f", Double(now) / 1e9)) GB of its own memory in use: "
                    + "the resident bound of \(MemoryBound.text(resident ?? 0)) reached; \(MemoryBound.residentVariable) sets it)"
            } ?? relay.abortLine(signal: s, input: inputName(arguments), memoryBound: applied,
                                 peakBytes: UInt64(max(usage.ru_maxrss, 0)) * 1024)
            FileHandle.standardError.write(Data("interfere: \(line)\n".utf8))
            return 2
        }
        relay.flushHeld()
        return (status >> 8) & 0xff
    }

    /// Removes a file, or a folder with what it holds.
    private static func removeTemporary(_ path: String) {
        guard !path.isEmpty else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// What the command was reading: its first argument after the subcommand that exists on disk.
    static func inputName(_ arguments: [String]) -> String {
        let candidates = arguments.dropFirst().filter { !$0.hasPrefix("-") }
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? arguments.first ?? "the input"
    }
}

/// Bytes cut into lines.
struct LineBuffer {
    private var pending: [UInt8] = []
    private var done: [String] = []

    mutating func take(_ bytes: ArraySlice<UInt8>) {
        pending.append(contentsOf: bytes)
        while let i = pending.firstIndex(of: UInt8(ascii: "\n")) {
            done.append(String(decoding: pending[..<i], as: UTF8.self))
            pending.removeSubrange(...i)
        }
    }

    mutating func lines() -> [String] {
        if !pending.isEmpty { done.append(String(decoding: pending, as: UTF8.self)); pending = [] }
        return done
    }
}

/// The child's stderr: `interfere:` lines go straight on, other text is held (the last 64 KB).
struct StderrRelay {
    private var partial: [UInt8] = []
    private var held: [UInt8] = []
    private static let keep = 65536

    mutating func take(_ bytes: ArraySlice<UInt8>) {
        partial.append(contentsOf: bytes)
        while let i = partial.firstIndex(of: UInt8(ascii: "\n")) {
            route(Array(partial[...i]))
            partial.removeSubrange(...i)
        }
    }

    mutating func finishLines() {
        if !partial.isEmpty { route(partial + [UInt8(ascii: "\n")]); partial = [] }
    }

    private mutating func route(_ line: [UInt8]) {
        if line.starts(with: Array("interfere: ".utf8)) {
            line.withUnsafeBufferPointer { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
        } else {
            held.append(contentsOf: line)
            if held.count > Self.keep * 2 { held.removeFirst(held.count - Self.keep) }
        }
    }

    /// Prints what was held (a normal end: nothing is lost).
    mutating func flushHeld() {
        held.withUnsafeBufferPointer { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
        held = []
    }

    /// One line for a child killed by `signal`: libbabeltrace2's own assertion or precondition
    /// message when it printed one, else the Swift runtime's fatal error, shortened. An
    /// allocation refused under `memoryBound` says so.
    func abortLine(signal: Int32, input: String, memoryBound: UInt64? = nil, peakBytes: UInt64 = 0) -> String {
        let text = String(decoding: held, as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let name = signalName(signal)
        func short(_ s: String) -> String { s.count > 200 ? String(s.prefix(197)) + "..." : s }
        if let line = lines.last(where: MemoryBound.isAllocationFailure) {
            let bound = memoryBound.map { "the memory bound of \(MemoryBound.text($0)) reached; \(MemoryBound.variable) sets it" }
                ?? "no memory left"
            if line.contains("GLib") || line.contains("failed to allocate") {
                return "libbabeltrace2 aborted while reading \(input): \(short(line)) (\(bound))"
            }
            return "out of memory while reading \(input) (\(bound))"
        }
        // Native code that does not check an allocation (libbabeltrace2's log writer under GLib)
        // faults instead: a child that grew to half the bound and more ran out of it.
        if let memoryBound, peakBytes >= memoryBound / 2, !lines.contains(where: { $0.contains("Fatal error") }) {
            let peak = String(format: "%.1f GB", Double(peakBytes) / 1e9)
            return "out of memory while reading \(input) (\(name) at \(peak) resident: the memory bound of \(MemoryBound.text(memoryBound)) reached; \(MemoryBound.variable) sets it)"
        }
        // BT_ASSERT: "(╯°□°)╯︵ ┻━┻  file.c:123: func(): Assertion `x` failed."
        if let line = lines.last(where: { $0.contains("Assertion") && $0.contains("failed") }) {
            var s = line
            if let r = s.range(of: "┻━┻") { s = String(s[r.upperBound...]).trimmingCharacters(in: .whitespaces) }
            return "libbabeltrace2 aborted while reading \(input): \(short(s))"
        }
        // BT_ASSERT_PRE: "Babeltrace 2 library precondition not satisfied; error is:" then the message.
        if let i = lines.firstIndex(where: { $0.contains("precondition not satisfied") }) {
            let detail = lines[(i + 1)...].first { !$0.hasPrefix("Aborting") } ?? ""
            return "libbabeltrace2 aborted while reading \(input): \(short(Self.logMessage(detail)))"
        }
        if let line = lines.last(where: { $0.contains("GLib") || $0.contains("failed to allocate") }) {
            return "libbabeltrace2 aborted while reading \(input): \(short(line))"
        }
        if let line = lines.last(where: { $0.contains("Fatal error") }) {
            return "crashed (\(name)) while reading \(input): \(short(line))"
        }
        if signal == SIGKILL { return "\(input): the work was killed (SIGKILL: out of memory?)" }
        if let line = lines.last { return "crashed (\(name)) while reading \(input): \(short(line))" }
        // No message: a fault in native code (libbabeltrace2's own `babeltrace2` crashes on such input too).
        return "crashed (\(name)) while reading \(input)"
    }

    /// A libbabeltrace2 log line (`MM-DD hh:mm:ss.mmm PID TID F TAG func@file.c:123 Message: key=value ...`)
    /// as `file.c:123: Message`.
    static func logMessage(_ line: String) -> String {
        var text = Substring(line)
        var location = ""
        if let at = text.range(of: "@"), let space = text[at.upperBound...].firstIndex(of: " ") {
            location = String(text[at.upperBound..<space])
            text = text[space...]
        }
        var kept: [Substring] = []
        for part in text.split(separator: ": ", omittingEmptySubsequences: true) {
            if part.contains("=") || part.contains("-addr") { break }
            kept.append(part)
        }
        let message = kept.joined(separator: ": ").trimmingCharacters(in: .whitespaces)
        return location.isEmpty ? message : "\(location): \(message)"
    }

    private func signalName(_ s: Int32) -> String {
        switch s {
        case SIGABRT: return "SIGABRT"
        case SIGILL: return "SIGILL"
        case SIGTRAP: return "SIGTRAP"
        case SIGSEGV: return "SIGSEGV"
        case SIGBUS: return "SIGBUS"
        case SIGFPE: return "SIGFPE"
        case SIGKILL: return "SIGKILL"
        default: return "signal \(s)"
        }
    }
}
