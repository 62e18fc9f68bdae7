import Foundation

/// A program started as a shell starts one: no signal blocked, every signal at its default
/// (whatever this process inherited), stdin and stdout on /dev/null, stderr appended to a file.
/// perf needs it: its `--switch-output=TIME` runs on SIGALRM, which a parent may have blocked.
final class Spawned {
    let pid: pid_t
    private var status: Int32?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(_ program: String, _ arguments: [String], stderrTo log: String) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&all)
        for s in 1..<32 where s != SIGKILL && s != SIGSTOP { sigaddset(&all, Int32(s)) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let argv = [program] + arguments
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, program, &actions, &attributes, cArgs, environ)
        guard r == 0 else { throw Failure(description: "cannot run \(program): \(String(cString: strerror(r)))") }
        self.pid = pid
    }

    /// Whether it still runs (reaps it once it has ended).
    var isRunning: Bool {
        if status != nil { return false }
        var s: Int32 = 0
        if waitpid(pid, &s, WNOHANG) == pid { status = s; return false }
        return true
    }

    /// Waits for the end; true when it exited 0.
    @discardableResult
    func wait() -> Bool {
        if status == nil {
            var s: Int32 = 0
            while waitpid(pid, &s, 0) == -1 && errno == EINTR {}
            status = s
        }
        return succeeded
    }

    /// Ended by exit status 0.
    var succeeded: Bool { status.map { $0 & 0x7f == 0 && ($0 >> 8) & 0xff == 0 } ?? false }
}
