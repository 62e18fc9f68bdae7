import Foundation
import TestSupport
import Testing

@Suite struct ScoreTests {
    static let model = Fixtures.projectRoot.appendingPathComponent("models/default.json").path

    func score(_ path: String) throws -> [[String: Any]] {
        let r = try CLI.run(["score", path, "-m", Self.model, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        return json["vms"] as! [[String: Any]]
    }

    func culprits(_ vm: [String: Any]) -> [String?] {
        (vm["periods"] as! [[String: Any]]).map { ($0["culprit"] as! [String: Any])["name"] as? String }
    }

    @Test func theBundledDemoNamesEachCulprit() throws {
        let vms = try score(Fixtures.projectRoot.appendingPathComponent("datasets/demo").path)
        let byName = Dictionary(uniqueKeysWithValues: vms.map { ($0["vm"] as! String, $0) })
        #expect(culprits(byName["web"]!) == ["backup"])
        #expect(culprits(byName["db"]!) == ["batch"])
        #expect(culprits(byName["stream"]!) == ["batch"])
        #expect(culprits(byName["batch"]!).isEmpty)
        #expect(byName["db"]!["category"] as? String == "disk")
        #expect(byName["stream"]!["category"] as? String == "net")
        let period = (byName["db"]!["periods"] as! [[String: Any]])[0]
        #expect(((period["period"] as! [String: Any])["kind"]) as? String == "disk")
        #expect((period["over_represented_keys"] as! [[String: Any]]).prefix(3).contains { ($0["key"] as! String) == "block 8:0 by batch" })
    }

    /// An Intel PT capture is scored by the `pt` variant: web's CPU episode (backup on its CPU,
    /// 1.5–2.0 s of the trace clock) opens a cpu period; PT names no culprit (no scheduler events).
    @Test func theBundledPTCaptureIsScoredByThePTVariant() throws {
        let r = try CLI.run(["score", Fixtures.projectRoot.appendingPathComponent("datasets/demo/pt").path, "-m", Self.model, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(json["variant"] as? String == "pt")
        #expect(json["feature_groups"] as? [String] == ["pt"])
        let vms = json["vms"] as! [[String: Any]]
        #expect(Set(vms.map { $0["vm"] as! String }) == ["web", "db", "batch", "stream"])
        let web = vms.first { $0["vm"] as? String == "web" }!
        let periods = (web["periods"] as! [[String: Any]]).map { $0["period"] as! [String: Any] }
        #expect(periods.contains { p in
            (p["kind"] as? String) == "cpu" && (p["start_ns"] as! NSNumber).int64Value <= 1_700_000_001_600_000_000
                && (p["end_ns"] as! NSNumber).int64Value >= 1_700_000_002_000_000_000
        })
    }

    @Test(arguments: ["cpu-neighbour", "disk-contention", "net-contention"])
    func everyLabeledPeriodOfTheRealRecordingsHasItsCulprit(_ name: String) throws {
        let folder = Fixtures.hostReal(name)
        let labels = try String(contentsOf: folder.appendingPathComponent("labels.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let vms = try score(folder.path)
        for row in labels where row[4] != "none" {
            let (start, end) = (Int64(row[1])!, Int64(row[2])!)
            let vm = vms.first { $0["vm"] as? String == row[0] }!
            let periods = (vm["periods"] as! [[String: Any]]).filter {
                let p = $0["period"] as! [String: Any]
                let (s, e) = ((p["start_ns"] as! NSNumber).int64Value, (p["end_ns"] as! NSNumber).int64Value)
                return min(e, end) - max(s, start) >= min(e - s, end - start) / 2
            }
            #expect(!periods.isEmpty, "\(name) \(row[0]): no period over the labeled one")
            #expect(periods.contains { ($0["culprit"] as! [String: Any])["name"] as? String == row[5] }, "\(name) \(row[0])")
        }
    }

    /// Issue 16 on net-contention: the saturator `noisy` is not its victim's victim, nobody that
    /// sends nothing (`idlespin`, the idle task) is blamed, and the victim that streams is `net`.
    @Test func netContentionBlamesOnlyTheSaturator() throws {
        let vms = try score(Fixtures.hostReal("net-contention").path)
        let byName = Dictionary(uniqueKeysWithValues: vms.map { ($0["vm"] as! String, $0) })
        #expect(culprits(byName["noisy"]!).allSatisfy { $0 != "victim" })
        #expect(culprits(byName["victim"]!).allSatisfy { $0 == "noisy" })
        for vm in vms { #expect(culprits(vm).allSatisfy { !["idlespin", "idle", "(unattributed)"].contains($0 ?? "") }) }
        #expect(byName["victim"]!["category"] as? String == "net")
    }

    @Test func modelShowAndBadModels() throws {
        let show = try CLI.run(["model", "show", Self.model])
        #expect(show.status == 0)
        #expect(show.stdout.contains("variant full"))
        #expect(show.stdout.contains("variant portable"))
        #expect(show.stdout.contains("variant pt"))
        let bad = try CLI.run(["score", Fixtures.hostReal("busy-alone").path, "-m", Fixtures.hostReal("busy-alone").appendingPathComponent("labels.csv").path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("not an interfere model"))
    }

    @Test func simulateAndTrainRefuseBadInput() throws {
        let unknown = try CLI.run(["simulate", "--preset", "nope", "-o", "/tmp/never-written-\(UUID().uuidString)"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown preset"))
        let zero = try CLI.run(["simulate", "--preset", "demo", "--pcpus", "0", "-o", "/tmp/never-written-\(UUID().uuidString)"])
        #expect(zero.status == 2)
        let existing = try CLI.run(["simulate", "--preset", "demo", "-o", Fixtures.hostReal("busy-alone").path])
        #expect(existing.status == 2 && existing.stderr.contains("not empty"))
        let noLabels = try CLI.run(["train", Fixtures.lttng("many-threads").path, "-o", "/tmp/never-\(UUID().uuidString).json"])
        #expect(noLabels.status == 2 && noLabels.stderr.contains("labels.csv"))
    }
}
