import Foundation
import Learning
import Testing

@Suite struct MatrixTests {
    @Test func productsGoThroughBLAS() throws {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        let b = Matrix([[1, 0], [0, 1], [1, 1]])
        #expect(a.multiplied(by: b) == Matrix([[4, 5], [10, 11]]))
        #expect(a.multiplied(by: a, transposeOther: true) == Matrix([[14, 32], [32, 77]]))
        #expect(a.gram() == Matrix([[17, 22, 27], [22, 29, 36], [27, 36, 45]]))
        #expect(a.multiplied(by: [1, 1, 1]) == [6, 15])
        let (values, _) = try Matrix([[2, 0], [0, 3]]).symmetricEigen()
        #expect(values == [2, 3])
    }
}

@Suite struct EstimatorTests {
    @Test func scalerCentresAndImputesAbsentValues() {
        var s = StandardScaler()
        let x = s.fitTransform(Matrix([[1, 5], [3, .nan], [5, 5]]))
        #expect(s.means == [3, 5])
        #expect(abs(s.scales[0] - (8.0 / 3).squareRoot()) < 1e-12)
        #expect(s.scales[1] == 1)            // constant column
        #expect(x[1, 1] == 0)                // NaN → the mean
        #expect(abs(x[0, 0] + 1.224744871391589) < 1e-12)
    }

    @Test func pcaFindsTheMainAxis() throws {
        var pca = PCA()
        try pca.fit(Matrix([[1, 1], [2, 2], [3, 3], [4, 4]]))
        #expect(pca.explainedVarianceRatio[0] > 0.999)
        #expect(abs(pca.components[0, 0] - 0.5.squareRoot()) < 1e-9)
    }

    @Test func kmeansSeparatesObviousClustersAndIsDeterministic() throws {
        var generator = SeededGenerator(seed: 3)
        var rows: [[Double]] = []
        for c in [0.0, 10.0, 20.0] { for _ in 0..<50 { rows.append([c + generator.unit(), c + generator.unit()]) } }
        let x = Matrix(rows)
        var a = KMeans(k: 3, seed: 5), b = KMeans(k: 3, seed: 5)
        try a.fit(x); try b.fit(x)
        #expect(a.centers == b.centers)
        let labels = a.predict(x)
        #expect(Set(labels[0..<50]).count == 1 && Set(labels[50..<100]).count == 1 && Set(labels[100..<150]).count == 1)
        #expect(Set([labels[0], labels[50], labels[100]]).count == 3)
        #expect(Metrics.silhouette(x, labels: labels) > 0.9)
    }

    @Test func logisticRegressionLearnsSeparableClasses() throws {
        var rows: [[Double]] = [], y: [Int] = []
        for i in 0..<60 { rows.append([Double(i % 3) * 5 + Double(i) * 0.01, 1]); y.append(i % 3) }
        var lr = LogisticRegression(c: 10)
        try lr.fit(Matrix(rows), y, classes: 3)
        #expect(lr.predict(Matrix(rows)) == y)
        let p = lr.predictProbabilities(Matrix([[5, 1]]))
        #expect(p[0, 1] > 0.9)
        #expect(abs(p[0, 0] + p[0, 1] + p[0, 2] - 1) < 1e-12)
    }
}

@Suite struct MetricTests {
    @Test func precisionRecallF1() {
        let m = Metrics.precisionRecallF1(predicted: [true, true, false, false], actual: [true, false, true, false])
        #expect(m.precision == 0.5 && m.recall == 0.5 && m.f1 == 0.5)
    }

    @Test func adjustedRandIndex() {
        #expect(Metrics.adjustedRandIndex([0, 0, 1, 1], [5, 5, 9, 9]) == 1)
        // scikit-learn: adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285715
        #expect(abs(Metrics.adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]) - 0.5714285714285715) < 1e-12)
    }

    @Test func confusion() {
        #expect(Metrics.confusionMatrix(predicted: [0, 1, 1], actual: [0, 0, 1], classes: 2) == [[1, 1], [0, 1]])
    }

    @Test func foldsKeepTracesWhole() {
        let groups = ["a", "a", "b", "c", "c", "c"]
        let folds = GroupKFold.folds(groups: groups, k: 2)
        #expect(folds.count == 2)
        for (train, test) in folds {
            #expect(Set(train.map { groups[$0] }).isDisjoint(with: test.map { groups[$0] }))
            #expect(train.count + test.count == groups.count)
        }
    }
}

@Suite struct NamingAndBaselineTests {
    @Test func baselineFlagsStealAboveTheVMsQuietSpread() {
        let names = ["sched_preempted_share"]
        let x = Matrix([[0.01], [0.0], [0.02], [0.01], [0.5], [0.01]])
        let flags = SigmaBaseline(columns: names).predict(x, featureNames: names, groups: Array(repeating: "vm", count: 6))
        #expect(flags == [false, false, false, false, true, false])
    }

    @Test func modelFilesRoundTripAndRefuseOtherFormats() throws {
        let variant = ModelVariant(name: "portable", schemaID: "abc", featureNames: ["sched_vcpus"], windowNs: 100_000_000,
                                   requiredPrefixes: ["sched_"], scaler: StandardScaler(), pca: PCA(),
                                   centroids: Matrix([[0]]), clusterNames: ["idle"], classifier: LogisticRegression(),
                                   classes: ["none", "cpu"], metrics: ["f1": 0.5])
        let model = InterferenceModel(variants: [variant], training: .init(datasets: ["d"], rowsPerClass: ["none": 3], windowNs: 100_000_000, seed: 1))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID().uuidString).json").path
        try model.write(to: path)
        #expect(try InterferenceModel.load(path: path) == model)
        #expect(try model.variant(forColumns: ["sched_vcpus", "block_read_per_s"], windowNs: 100_000_000).name == "portable")
        #expect(throws: ModelError.windowMismatch(model: 100_000_000, trace: 50_000_000)) {
            try model.variant(forColumns: ["sched_vcpus"], windowNs: 50_000_000)
        }
        #expect(throws: ModelError.noVariant(groups: ["block"])) { try model.variant(forColumns: ["block_read_per_s"], windowNs: 100_000_000) }
        try Data("{\"format\": 99}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelError.notAModel(path: path, reason: "format 99, this interfere reads format 1")) { try InterferenceModel.load(path: path) }
    }
}
