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

    @Test(arguments: ["4X", "", "G", "-1G", "1.5G", "١G", "none please"])
    func aSettingThatIsNotASizeIsRefused(_ setting: String) {
        #expect(throws: MemoryBound.Invalid.self) { try MemoryBound.bytes(setting, command: "stats") }
        #expect(throws: MemoryBound.Invalid.self) { try MemoryBound.bytes(setting, command: "train") }
    }
}
