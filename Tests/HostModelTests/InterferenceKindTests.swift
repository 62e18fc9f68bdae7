import Foundation
import HostModel
import Testing

/// The interference kinds: their raw values are the strings of labels.csv, the model's classes
/// and every output.
@Suite struct InterferenceKindTests {
    @Test func rawValuesAreTheFileStringsInClassOrder() {
        #expect(InterferenceKind.allCases.map(\.rawValue) == ["none", "cpu", "disk", "net", "memory"])
    }

    @Test func parsesEveryKindAndNothingElse() {
        for kind in InterferenceKind.allCases { #expect(InterferenceKind(rawValue: kind.rawValue) == kind) }
        #expect(InterferenceKind(rawValue: "CPU") == nil)
        #expect(InterferenceKind(rawValue: "cpu-host") == nil)
        #expect(InterferenceKind(rawValue: "") == nil)
        #expect(InterferenceKind(rawValue: "mixed") == nil)
    }

    @Test func encodesAsItsRawValue() throws {
        let data = try JSONEncoder().encode([InterferenceKind.none, .net])
        #expect(String(decoding: data, as: UTF8.self) == "[\"none\",\"net\"]")
        #expect(try JSONDecoder().decode([InterferenceKind].self, from: Data("[\"disk\"]".utf8)) == [.disk])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([InterferenceKind].self, from: Data("[\"io\"]".utf8)) }
    }
}
