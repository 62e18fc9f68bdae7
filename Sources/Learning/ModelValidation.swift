/// What is wrong inside a model file, as one phrase (the loader adds the path).
struct ModelProblem: Error {
    var text: String
    init(_ text: String) { self.text = text }
}

extension InterferenceModel {
    /// The whole model checked once, at load (scikit-learn's `check_array` idea): every shape
    /// agrees with the feature list, every number is finite, class and cluster counts match their
    /// names, no dimension is absurd. Code past `load` may then trust the model.
    func validate() throws {
        guard !variants.isEmpty else { throw ModelProblem("it has no variant") }
        for v in variants { try v.validate() }
        // Traces are read with the training window: it must be one the variants were fitted on.
        guard variants.contains(where: { $0.windowNs == training.windowNs }) else {
            throw ModelProblem("its training window \(training.windowNs) ns is no variant's window")
        }
    }
}

extension ModelVariant {
    /// Most features, clusters or classes a variant may declare (the default model has about 60 features).
    static let maxDimension = 100_000
    /// The window lengths a model may have: those `WindowLength` accepts (100 µs to 1 h; a shorter
    /// window makes billions of windows of a minute-long trace).
    public static let windowRange: ClosedRange<Int64> = 100_000...3_600_000_000_000

    func validate() throws {
        func fail(_ what: String) -> ModelProblem { ModelProblem("variant `\(name)`: \(what)") }
        let d = featureNames.count
        guard d > 0, d <= Self.maxDimension else { throw fail("\(d) features") }
        guard Set(featureNames).count == d else { throw fail("a feature is listed twice") }
        guard Self.windowRange.contains(windowNs) else { throw fail("window \(windowNs) ns (give 100 µs to 1 h)") }
        guard scaler.means.count == d, scaler.scales.count == d else {
            throw fail("the scaler has \(scaler.means.count) means and \(scaler.scales.count) scales for \(d) features")
        }
        guard scaler.means.allSatisfy(\.isFinite), scaler.scales.allSatisfy({ $0.isFinite && $0 != 0 }) else {
            throw fail("the scaler holds a number that is not finite (or a zero scale)")
        }
        let clusterColumns = clusterFeatures ?? featureNames
        guard !clusterColumns.isEmpty, Set(clusterColumns).count == clusterColumns.count,
              clusterColumns.allSatisfy(Set(featureNames).contains) else {
            throw fail("its cluster features are not distinct features of the variant")
        }
        let dc = clusterColumns.count
        try pca.components.validate("the PCA components", fail)
        guard pca.means.count == dc, pca.components.columns == dc, pca.components.rows >= 1, pca.components.rows <= dc else {
            throw fail("the PCA is \(pca.components.rows)x\(pca.components.columns) with \(pca.means.count) means for \(dc) cluster features")
        }
        guard pca.means.allSatisfy(\.isFinite) else { throw fail("the PCA means hold a number that is not finite") }
        try centroids.validate("the centroids", fail)
        guard centroids.columns == pca.components.rows, centroids.rows >= 1, centroids.rows == clusterNames.count else {
            throw fail("\(centroids.rows)x\(centroids.columns) centroids, \(clusterNames.count) cluster names, \(pca.components.rows) PCA components")
        }
        let k = classes.count
        guard k >= 2, Set(classes).count == k else { throw fail("\(k) classes (need 2 or more, distinct)") }
        try classifier.weights.validate("the classifier weights", fail)
        guard classifier.classCount == k, classifier.intercepts.count == k,
              classifier.weights.rows == d, classifier.weights.columns == k else {
            throw fail("the classifier is \(classifier.weights.rows)x\(classifier.weights.columns) with \(classifier.intercepts.count) intercepts and classCount \(classifier.classCount), for \(d) features and \(k) classes")
        }
        guard classifier.intercepts.allSatisfy(\.isFinite) else { throw fail("the classifier intercepts hold a number that is not finite") }
    }
}

extension Matrix {
    /// Dimensions that agree with the data, none absurd, every number finite.
    func validate(_ what: String, _ fail: (String) -> ModelProblem) throws {
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, rows <= ModelVariant.maxDimension, columns <= ModelVariant.maxDimension,
              !overflow, count == data.count else {
            throw fail("\(what): \(rows)x\(columns) with \(data.count) values")
        }
        guard data.allSatisfy(\.isFinite) else { throw fail("\(what) hold a number that is not finite") }
    }
}
