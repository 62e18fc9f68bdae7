import Foundation
import Learning
import Testing

@Suite struct SelectionAndReadingTests {
    @Test func perClassScoresAndMacroF1() {
        let m = Metrics.perClass(predicted: [0, 1, 1, 2], actual: [0, 1, 2, 2], classes: 3)
        #expect(m.precision == [1, 0.5, 1])
        #expect(m.recall == [1, 1, 0.5])
        #expect(abs(m.f1[1] - 2.0 / 3) < 1e-15 && abs(m.f1[2] - 2.0 / 3) < 1e-15 && m.f1[0] == 1)
        #expect(abs(m.macroF1 - 7.0 / 9) < 1e-15)
    }

    @Test func silhouetteMatchesItsDefinition() {
        // a = 1 for every point; b = 10.5, 9.5, 9.5, 10.5 (scikit-learn: 0.899749373433584).
        let s = Metrics.silhouette(Matrix([[0], [1], [10], [11]]), labels: [0, 0, 1, 1])
        #expect(abs(s - (9.5 / 10.5 + 8.5 / 9.5) / 2) < 1e-12)
        #expect(Metrics.silhouette(Matrix([[0], [1]]), labels: [0, 0]) == 0)   // one cluster
    }

    @Test func silhouetteChoosesTheNumberOfBlobs() throws {
        var generator = SeededGenerator(seed: 9)
        var rows: [[Double]] = []
        for c in [0.0, 10.0, 20.0, 30.0] { for _ in 0..<40 { rows.append([c + generator.unit(), -c + generator.unit()]) } }
        var selection = KSelection(candidates: [2, 3, 4, 5, 6], seed: 1)
        try selection.fit(Matrix(rows))
        #expect(selection.k == 4)
        #expect(selection.silhouettes.keys.sorted() == [2, 3, 4, 5, 6])
        #expect(selection.silhouettes.values.allSatisfy { $0 <= selection.silhouettes[4]! })
        #expect(Set(selection.predict(Matrix(rows))).count == 4)
        var tooFew = KSelection(candidates: [5])
        #expect(throws: LearningError.self) { try tooFew.fit(Matrix([[0], [1]])) }
    }

    @Test func emptyClusterTakesTheFarthestPoint() throws {
        // The third initial centre attracts no point; it is moved, and every cluster ends non-empty.
        var kmeans = KMeans(k: 3, maxIterations: 50, tolerance: 0, initialCenters: Matrix([[0], [1], [100]]))
        try kmeans.fit(Matrix([[0], [1], [10], [11]]))
        #expect(Set(kmeans.predict(Matrix([[0], [1], [10], [11]]))).count == 3)
        #expect(kmeans.inertia == 0.5)
    }

    @Test func readingsGiveInterferenceProbabilityAndKind() throws {
        let classes = ["none", "cpu", "disk", "net", "memory"]
        let p = Matrix([[0.7, 0.1, 0.05, 0.1, 0.05], [0.1, 0.2, 0.6, 0.05, 0.05]])
        let r = try InterferenceReading.readings(p, classes: classes)
        #expect(abs(r[0].interferedProbability - 0.3) < 1e-15)
        #expect(r[0].kind == "cpu" && r[0].kindProbability == 0.1)    // tie with net: the earlier class
        #expect(abs(r[1].interferedProbability - 0.9) < 1e-15)
        #expect(r[1].kind == "disk" && r[1].kindProbability == 0.6)
        #expect(throws: LearningError.self) { try InterferenceReading.readings(p, classes: ["none", "cpu"]) }
    }

    func variant(_ name: String, schema: String, features: [String], required: [String]) -> ModelVariant {
        ModelVariant(name: name, schemaID: schema, featureNames: features, windowNs: 100_000_000, requiredPrefixes: required,
                     scaler: StandardScaler(), pca: PCA(), centroids: Matrix([[0]]), clusterNames: ["idle"],
                     classifier: LogisticRegression(), classes: ["none", "cpu"], metrics: [:])
    }

    @Test func variantChoiceFallsThroughAndSchemaMismatchNamesBoth() throws {
        let full = variant("full", schema: "s-full", features: ["sched_vcpus", "kvm_exits_per_s"], required: ["sched_", "kvm_"])
        let portable = variant("portable", schema: "s-port", features: ["sched_vcpus", "block_read_per_s"], required: ["sched_"])
        let model = InterferenceModel(variants: [portable, full],
                                      training: .init(datasets: [], rowsPerClass: [:], windowNs: 100_000_000, seed: 0))
        // full comes first whatever the file order.
        #expect(try model.variant(forColumns: ["sched_vcpus", "kvm_exits_per_s"], windowNs: 100_000_000).name == "full")
        // kvm present but not the column full needs: portable.
        #expect(try model.variant(forColumns: ["sched_vcpus", "kvm_guest_share"], windowNs: 100_000_000).name == "portable")
        let onlyFull = InterferenceModel(variants: [full], training: model.training)
        #expect(throws: ModelError.missingFeatures(variant: "full", schema: "s-full", missing: ["kvm_exits_per_s"])) {
            try onlyFull.variant(forColumns: ["sched_vcpus", "kvm_guest_share"], windowNs: 100_000_000)
        }
        #expect(try model.variant(named: "portable", schemaID: "s-port") == portable)
        let mismatch = ModelError.schemaMismatch(expected: "s-port", found: "s-other", variant: "portable")
        #expect(throws: mismatch) { try model.variant(named: "portable", schemaID: "s-other") }
        #expect(mismatch.description.contains("s-port") && mismatch.description.contains("s-other"))
        #expect(throws: ModelError.noSuchVariant(name: "pt", available: ["portable", "full"])) {
            try model.variant(named: "pt", schemaID: "x")
        }
    }
}
