import Foundation
@testable import interfere
import Testing

/// The supervised child's memory bound as `MemoryBound.bytes` decides it from
/// `INTERFERE_MEMORY_LIMIT` and the command (the decision, not an allocation).
@Suite struct MemoryBoundTests {
    /// Unset: `train` (which holds every labeled row of its datasets) has no bound, every other
    /// command the default.
    @Test func trainIsUnboundedByDefaultAndTheOthersAreBounded() throws {
        #expect(MemoryBound.unboundedByDefault == ["train"])
        #expect(try MemoryBound.bytes(nil, command: "train") == nil)
        for command in ["events", "stats", "features", "score", "evaluate", "report", "model", "simulate"] {
            #expect(try MemoryBound.bytes(nil, command: command) == 4 << 30, "\(command)")
        }
        // No command (the bare binary, `--help`): the default.
        #expect(try MemoryBound.bytes(nil, command: nil) == 4 << 30)
        #expect(MemoryBound.text(4 << 30) == "4 GiB")
    }

    /// Set, the variable overrides the default of every command, `train`'s included.
    @Test func theVariableOverridesForEveryCommand() throws {
        for command in ["train", "stats", "score", nil] as [String?] {
            #expect(try MemoryBound.bytes("8G", command: command) == 8 << 30)
            #expect(try MemoryBound.bytes("512M", command: command) == 512 << 20)
            #expect(try MemoryBound.bytes("65536K", command: command) == 64 << 20)
            #expect(try MemoryBound.bytes("1000000", command: command) == 1_000_000)
            #expect(try MemoryBound.bytes(" 2g ", command: command) == 2 << 30)
            #expect(try MemoryBound.bytes("none", command: command) == nil)
            #expect(try MemoryBound.bytes("0", command: command) == nil)
        }
        #expect(try MemoryBound.bytes("99999999999T", command: "stats") == UInt64.max)
    }

    /// The resident bound (`INTERFERE_RESIDENT_LIMIT`): unset, 1 GiB for the commands that
    /// stream a trace and none for the others; set, it overrides for every command.
    @Test func theResidentBoundIsForTheStreamingCommandsAndTheVariableOverrides() throws {
        for command in ["events", "stats", "features", "score", "report"] {
            #expect(try MemoryBound.residentBytes(nil, command: command) == 1 << 30, "\(command)")
        }
        for command in ["train", "evaluate", "simulate", "model", "watch", nil] as [String?] {
            #expect(try MemoryBound.residentBytes(nil, command: command) == nil, "\(command ?? "none")")
        }
        for command in ["train", "stats", nil] as [String?] {
            #expect(try MemoryBound.residentBytes("2G", command: command) == 2 << 30)
            #expect(try MemoryBound.residentBytes("none", command: command) == nil)
            #expect(try MemoryBound.residentBytes("0", command: command) == nil)
        }
        #expect(throws: MemoryBound.Invalid.self) { try MemoryBound.residentBytes("4X", command: "stats") }
        do { _ = try MemoryBound.residentBytes("4X", command: "stats") } catch {
            #expect("\(error)" == "INTERFERE_RESIDENT_LIMIT=4X: not a size (e.g. 4G, 512M, 65536K, bytes; none for no bound)")
        }
        // This process's own resident memory reads as some megabytes; a process that is gone, nil.
        let own = MemoryBound.residentAnonymous(pid: getpid())
        #expect(own != nil && own! > 1 << 20)
        #expect(MemoryBound.residentAnonymous(pid: -1) == nil)
    }

    @Test(arguments: ["4X", "", "G", "-1G", "1.5G", "١G", "none please"])
    func aSettingThatIsNotASizeIsRefused(_ setting: String) {
        #expect(throws: MemoryBound.Invalid.self) { try MemoryBound.bytes(setting, command: "stats") }
        #expect(throws: MemoryBound.Invalid.self) { try MemoryBound.bytes(setting, command: "train") }
    }
}
