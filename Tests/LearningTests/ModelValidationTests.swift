import Foundation
import Testing
@testable import Learning

/// The model file is checked completely at load: a bad one is one line, never a trap or a
/// huge allocation later.
@Suite struct ModelValidationTests {
    static let defaultModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/default.json")

    /// `models/default.json` with `edit` applied to its JSON, loaded: the error text, or nil.
    func loadError(_ edit: (inout [String: Any]) -> Void) throws -> String? {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.defaultModel)) as! [String: Any]
        edit(&json)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        do { _ = try InterferenceModel.load(path: url.path); return nil } catch let e as ModelError { return e.description }
    }

    /// Edits the first variant.
    func variant(_ edit: @escaping (inout [String: Any]) -> Void) -> (inout [String: Any]) -> Void {
        { json in
            var variants = json["variants"] as! [[String: Any]]
            edit(&variants[0])
            json["variants"] = variants
        }
    }

    func sub(_ key: String, _ edit: @escaping (inout [String: Any]) -> Void) -> (inout [String: Any]) -> Void {
        variant { v in var s = v[key] as! [String: Any]; edit(&s); v[key] = s }
    }

    @Test func theDefaultModelPasses() throws {
        #expect(try loadError { _ in } == nil)
    }

    /// A trailing comma (after the last member of the top object and of an array) is accepted,
    /// as README says: Foundation's decoder allows it and the content is unambiguous.
    @Test func aTrailingCommaIsAccepted() throws {
        var text = try String(contentsOf: Self.defaultModel, encoding: .utf8)
        let end = try #require(text.lastIndex(of: "}"))
        text.insert(",", at: end)
        let close = try #require(text.range(of: "]"))
        text.insert(",", at: close.lowerBound)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let loaded = try InterferenceModel.load(path: url.path)
        #expect(loaded == (try InterferenceModel.load(path: Self.defaultModel.path)))
    }

    @Test func shapesThatDoNotAgreeAreRejected() throws {
        #expect(try loadError(sub("scaler") { s in s["means"] = Array((s["means"] as! [Double]).dropLast()) })?.contains("scaler") == true)
        #expect(try loadError(sub("classifier") { c in c["intercepts"] = [0.0] })?.contains("classifier") == true)
        #expect(try loadError(sub("centroids") { m in m["columns"] = 3 })?.contains("centroids") == true)
        #expect(try loadError(sub("centroids") { m in m["rows"] = 1 << 40; m["columns"] = 1 << 40 })?.contains("centroids") == true)
        #expect(try loadError(variant { v in v["clusterNames"] = ["cpu"] })?.contains("cluster names") == true)
        #expect(try loadError(variant { v in v["classes"] = ["none"] })?.contains("classes") == true)
        #expect(try loadError(variant { v in v["featureNames"] = [] })?.contains("features") == true)
        #expect(try loadError(sub("pca") { p in var c = p["components"] as! [String: Any]; c["rows"] = 0; c["data"] = [Double](); p["components"] = c })?.contains("PCA") == true)
        #expect(try loadError { j in j["variants"] = [Any]() }?.contains("no variant") == true)
    }

    /// A model whose training window is absurd or no variant's (fuzz seed 21, input 4490:
    /// `training.windowNs` = −2^63 made `score` step through windows forever).
    @Test func windowsOutsideTheRangeOrDisagreeingAreRejected() throws {
        func training(_ ns: Int64) -> (inout [String: Any]) -> Void {
            { j in var t = j["training"] as! [String: Any]; t["windowNs"] = ns; j["training"] = t }
        }
        #expect(try loadError(training(Int64.min))?.contains("training window -9223372036854775808 ns is no variant's window") == true)
        #expect(try loadError(training(50_000_000))?.contains("no variant's window") == true)
        #expect(try loadError(variant { v in v["windowNs"] = 1 })?.contains("window 1 ns (give 100 µs to 1 h)") == true)
    }

    @Test func numbersThatAreNotFiniteAreRejected() throws {
        #expect(try loadError(sub("scaler") { s in var m = s["scales"] as! [Double]; m[0] = 0; s["scales"] = m })?.contains("scaler") == true)
        #expect(try loadError(sub("classifier") { c in
            var w = c["weights"] as! [String: Any]; var d = w["data"] as! [Any]; d[0] = "nan"; w["data"] = d; c["weights"] = w
        })?.contains("not finite") == true)
    }
}
