@testable import Diagnosis
import Foundation
import HostModel
import Testing

/// The contended resource: its text is what `score --json`, the actions and the report show.
@Suite struct ResourceTests {
    @Test func rawValuesAreTheOutputText() {
        #expect(Resource.cpu.rawValue == "cpu")
        #expect(Resource.disk(device: "8:0").rawValue == "disk 8:0")
        #expect(Resource.link(device: "eth0").rawValue == "link eth0")
        #expect(Resource.disk(device: nil).rawValue == "disk")
        #expect(Resource.link(device: nil).rawValue == "link")
    }

    @Test func parsesItsRawValuesAndRejectsOthers() {
        for r in [Resource.cpu, .disk(device: "8:0"), .disk(device: nil), .link(device: "br0 v2"), .link(device: nil)] {
            #expect(Resource(rawValue: r.rawValue) == r)
        }
        #expect(Resource(rawValue: "link br0 v2")?.device == "br0 v2")
        #expect(Resource(rawValue: "cpu 3") == nil)
        #expect(Resource(rawValue: "net eth0") == nil)
        #expect(Resource(rawValue: "") == nil)
    }

    @Test func encodesAsOneString() throws {
        let data = try JSONEncoder().encode([Resource.disk(device: "8:16"), .cpu])
        #expect(String(decoding: data, as: UTF8.self) == "[\"disk 8:16\",\"cpu\"]")
        #expect(try JSONDecoder().decode([Resource].self, from: Data("[\"link lo\"]".utf8)) == [.link(device: "lo")])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Resource].self, from: Data("[\"gpu\"]".utf8)) }
    }

    @Test func eachKindContendsForOneResource() {
        #expect(Resource(contendedBy: .disk) == .disk(device: nil))
        #expect(Resource(contendedBy: .net) == .link(device: nil))
        #expect(Resource(contendedBy: .cpu) == .cpu)
        #expect(Resource(contendedBy: .memory) == .cpu)
        #expect(Resource.disk(device: nil).on("8:0") == .disk(device: "8:0"))
        #expect(Resource.cpu.on("8:0") == .cpu)
    }

    @Test func aModelClassThatIsNoKindIsAnError() {
        #expect(ScoreError.unknownClass(variant: "full", name: "io").description
            == "model variant `full` has the class `io`, which is not an interference kind (none, cpu, disk, net, memory)")
    }
}
