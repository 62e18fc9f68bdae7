import Foundation
import TestSupport
import Testing

/// `--window`, `--k` and `--pt-timing` are typed options; a bad value is still one stderr line,
/// exit status 2, with the words the command used before they were typed, and no output file.
@Suite struct OptionValueTests {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("interfere-options-\(UUID().uuidString)")

    @Test(arguments: [
        (["features", "SHARED/traces/host-real/busy-alone", "--window", "0ms"],
         "interfere: window `0ms`: give a length from 100us to 3600s with a unit (ns, us, ms, s), e.g. 100ms\n"),
        (["features", "SHARED/traces/host-real/busy-alone", "--window", "100"],
         "interfere: window `100`: give a length from 100us to 3600s with a unit (ns, us, ms, s), e.g. 100ms\n"),
        (["train", "/no/such/dataset", "-o", "OUT/model.json", "--window", "2h"],
         "interfere: window `2h`: give a length from 100us to 3600s with a unit (ns, us, ms, s), e.g. 100ms\n"),
        (["train", "/no/such/dataset", "-o", "OUT/model.json", "--k", "1"],
         "interfere: --k: give auto or a number from 2 to 32, not `1`\n"),
        (["train", "/no/such/dataset", "-o", "OUT/model.json", "--k", "many"],
         "interfere: --k: give auto or a number from 2 to 32, not `many`\n"),
        (["simulate", "--preset", "demo", "--pt-timing", "sometimes", "-o", "OUT/sim"],
         "interfere: --pt-timing must be tsc, mtc or cyc, got `sometimes`\n"),
    ])
    func aBadValueIsOneLineAndExitTwo(_ arguments: [String], _ message: String) throws {
        let args = arguments.map {
            $0.replacingOccurrences(of: "SHARED", with: Fixtures.shared.path).replacingOccurrences(of: "OUT", with: scratch.path)
        }
        let r = try CLI.run(args)
        #expect(r.status == 2)
        #expect(r.stderr == message)
        #expect(r.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch.path))
    }

    /// A good value still reaches the command: `--k 2` gets past the option check to the dataset.
    @Test func aGoodValueReachesTheCommand() throws {
        let r = try CLI.run(["train", "/no/such/dataset", "-o", scratch.appendingPathComponent("m.json").path, "--k", "2", "--window", "50ms"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("interfere: /no/such/dataset"), "\(r.stderr)")
    }

    @Test func helpShowsTheDefaultsAsText() throws {
        let r = try CLI.run(["train", "--help"])
        #expect(r.stdout.contains("(default: 100ms)") && r.stdout.contains("(default: auto)"), "\(r.stdout)")
        let s = try CLI.run(["simulate", "--help"])
        #expect(s.stdout.contains("(default: tsc)"), "\(s.stdout)")
    }
}
