import Foundation
import TestSupport
import Testing

/// A temporary file that cannot be written (here: a file-size limit of 1 KB, `ulimit -f`, with
/// SIGXFSZ ignored, so a write past it fails with EFBIG as a full disk fails with ENOSPC) is one
/// line naming the temporary file and the reason, exit 2, no output and no temporary file left.
/// Before, the spool's `FileHandle.write` and the evidence file's `precondition` trapped.
@Suite struct FullDiskTests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-full-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("out"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("tmp"), withIntermediateDirectories: true)
    }

    /// The binary under `ulimit -f 1` (512-byte blocks in dash) with SIGXFSZ ignored (inherited
    /// by the supervised child), its temporary folder `scratch/tmp`.
    func runLimited(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(executable: URL(fileURLWithPath: "/bin/sh"),
                    ["-c", "ulimit -f 1; trap '' XFSZ; exec \"$0\" \"$@\"", CLI.binary.path] + arguments,
                    environment: ["TMPDIR": scratch.appendingPathComponent("tmp").path])
    }

    func files(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: scratch.appendingPathComponent(folder).path)
    }

    @Test(arguments: [["features", "DEMO", "-o", "OUT/f.csv"], ["score", "DEMO", "-m", "MODEL", "--json"], ["report", "DEMO", "-m", "MODEL", "-o", "OUT/r.html"]])
    func aSpoolThatCannotBeWrittenIsOneLineAndExit2(_ template: [String]) throws {
        let root = Fixtures.projectRoot
        let arguments = template.map {
            $0.replacingOccurrences(of: "DEMO", with: root.appendingPathComponent("datasets/demo").path)
                .replacingOccurrences(of: "MODEL", with: root.appendingPathComponent("models/default.json").path)
                .replacingOccurrences(of: "OUT", with: scratch.appendingPathComponent("out").path)
        }
        let r = try runLimited(arguments)
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        // features -o spools beside its output, score and report in TMPDIR.
        let folder = scratch.appendingPathComponent(template[0] == "features" ? "out" : "tmp").path
        #expect(lines.first?.hasPrefix("interfere: \(folder)/.interfere-rows-") == true, "\(r.stderr)")
        #expect(lines.first?.hasSuffix("/rows: cannot write the temporary file of the feature rows: File too large") == true, "\(r.stderr)")
        #expect(try files("out") == [])
        #expect(try files("tmp") == [])
    }

    /// The same commands without the limit succeed: the limit, not the input, made them fail.
    @Test func withoutTheLimitTheSameRunsSucceed() throws {
        let demo = Fixtures.projectRoot.appendingPathComponent("datasets/demo").path
        let out = scratch.appendingPathComponent("out/f.csv").path
        let r = try CLI.run(["features", demo, "-o", out], environment: ["TMPDIR": scratch.appendingPathComponent("tmp").path])
        #expect(r.status == 0)
        #expect(try files("out") == ["f.csv"])
    }
}
