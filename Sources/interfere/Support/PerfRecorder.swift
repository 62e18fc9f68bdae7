import Foundation
import TraceIngest

/// `watch --perf`: runs `perf record --switch-output=CHUNK -o FOLDER/chunk.data OPTIONS` and
/// turns each finished chunk into CTF with `perf data convert --to-ctf`, for the live scorer.
/// perf's own messages go to `FOLDER/perf.log` (the last line names a failure).
final class PerfRecorder {
    /// What went wrong with perf, with its last message.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The events recorded when no options follow `--` (those of the real recordings'
    /// recorder), with its clock, buffer and every-event sampling.
    static let defaultOptions = ["-q", "-k", "CLOCK_MONOTONIC", "-a", "-c", "1", "-m", "16M", "-e",
                                 "sched:sched_switch,sched:sched_wakeup,sched:sched_wakeup_new,sched:sched_migrate_task,"
                                 + "sched:sched_process_fork,sched:sched_process_exec,sched:sched_process_exit,"
                                 + "block:block_rq_issue,block:block_rq_complete,net:net_dev_xmit,net:netif_receive_skb,"
                                 + "irq:irq_handler_entry,irq:softirq_entry,kvm:kvm_entry,kvm:kvm_exit,kvm:kvm_userspace_exit"]
    static let prefix = "chunk.data"

    let perf: String
    let folder: URL
    private let process: Spawned
    private var log: URL { folder.appendingPathComponent("perf.log") }

    /// Starts perf recording into `folder` (which exists).
    init(perf: String = "/usr/bin/perf", folder: URL, chunk: String, options: [String]) throws {
        self.perf = perf
        self.folder = folder
        let log = folder.appendingPathComponent("perf.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process = try Spawned(perf, ["record", "--switch-output=\(chunk)", "-o", folder.appendingPathComponent(Self.prefix).path]
                                  + (options.isEmpty ? Self.defaultOptions : options), stderrTo: log.path)
    }

    var isRunning: Bool { process.isRunning }

    /// Whether perf ended by itself with a failure.
    var failed: Bool { !process.isRunning && !process.succeeded && !stopped }
    private var stopped = false

    /// The last line perf wrote (e.g. why it could not record).
    var lastMessage: String { Self.lastLine(of: log) }

    private static func lastLine(of file: URL) -> String {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(whereSeparator: \.isNewline).last.map(String.init) ?? "no message"
    }

    /// The finished chunks not yet handed on, oldest first.
    func finishedChunks() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return PerfChunks.finished(names, prefix: Self.prefix).map { folder.appendingPathComponent($0) }
    }

    /// `chunk` converted to a CTF trace folder beside it (`ctf-NAME`); nil when the chunk has no
    /// sample (perf then writes no stream).
    func convert(_ chunk: URL) throws -> URL? {
        let ctf = folder.appendingPathComponent("ctf-" + chunk.lastPathComponent)
        try? FileManager.default.removeItem(at: ctf)
        let convertLog = folder.appendingPathComponent("convert.log")
        try? FileManager.default.removeItem(at: convertLog)
        let p = try Spawned(perf, ["data", "convert", "--to-ctf", ctf.path, "-i", chunk.path], stderrTo: convertLog.path)
        guard p.wait() else {
            throw Failure(description: "perf data convert --to-ctf \(chunk.path) failed: \(Self.lastLine(of: convertLog))")
        }
        let streams = ((try? FileManager.default.contentsOfDirectory(atPath: ctf.path)) ?? []).filter { $0 != "metadata" }
        if streams.isEmpty {
            try? FileManager.default.removeItem(at: ctf)
            return nil
        }
        return ctf
    }

    /// Stops perf (SIGINT: it writes and renames its last chunk) and waits for it.
    func stop() {
        stopped = true
        guard process.isRunning else { return }
        kill(process.pid, SIGINT)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.pid, SIGKILL); process.wait() }
    }
}
