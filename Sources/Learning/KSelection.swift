/// Chooses the number of k-means clusters by silhouette: fits k-means for each candidate k and
/// keeps the k whose labels have the highest mean silhouette (computed on at most `sampleSize`
/// rows drawn with `seed`, so large inputs cost O(sampleSize²), not O(n²)). Ties go to the
/// smaller k (a larger k must beat the best so far by more than 1e-9).
public struct KSelection: Sendable, Equatable {
    public var candidates: [Int]
    public var restarts: Int
    public var maxIterations: Int
    public var sampleSize: Int
    public var seed: UInt64

    /// The chosen k, the silhouette of each candidate that could be fitted, and the fitted k-means.
    public private(set) var k = 0
    public private(set) var silhouettes: [Int: Double] = [:]
    public private(set) var model = KMeans(k: 1)

    public init(candidates: [Int] = Array(2...8), restarts: Int = 4, maxIterations: Int = 300,
                sampleSize: Int = 2000, seed: UInt64 = 0) {
        self.candidates = candidates
        self.restarts = restarts
        self.maxIterations = maxIterations
        self.sampleSize = sampleSize
        self.seed = seed
    }

    public mutating func fit(_ x: Matrix) throws {
        let usable = candidates.filter { $0 >= 2 && $0 <= x.rows }.sorted()
        guard !usable.isEmpty else {
            throw LearningError.badInput("choosing k: no candidate in \(candidates) fits \(x.rows) rows (k must be 2...rows)")
        }
        silhouettes = [:]
        var best: (Int, Double, KMeans)?
        for candidate in usable {
            var kmeans = KMeans(k: candidate, restarts: restarts, maxIterations: maxIterations, seed: seed)
            try kmeans.fit(x)
            let score = Metrics.silhouette(x, labels: kmeans.predict(x), sampleSize: sampleSize, seed: seed)
            silhouettes[candidate] = score
            if best == nil || score > best!.1 + 1e-9 { best = (candidate, score, kmeans) }
        }
        (k, _, model) = best!
    }

    /// The nearest centre of each row, under the chosen k.
    public func predict(_ x: Matrix) -> [Int] { model.predict(x) }
}
