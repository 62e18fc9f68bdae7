import CBLAS

/// k-means: k-means++ seeding, `restarts` runs keeping the lowest inertia, Lloyd iterations whose
/// point-to-centre distances come from one GEMM per block of rows (‖x‖² − 2·X·Cᵀ + ‖c‖²), stopping
/// when the squared centre shift falls under `tolerance` × the mean column variance (scikit-learn's
/// rule). An empty cluster is moved to the point farthest from its centre.
public struct KMeans: Sendable, Codable, Equatable {
    public var k: Int
    public var restarts: Int
    public var maxIterations: Int
    public var tolerance: Double
    public var seed: UInt64
    /// Start from these centres (k × d) instead of k-means++ (one run).
    public var initialCenters: Matrix?

    public private(set) var centers = Matrix(rows: 0, columns: 0)
    public private(set) var inertia = Double.infinity
    public private(set) var iterations = 0

    public init(k: Int, restarts: Int = 4, maxIterations: Int = 300, tolerance: Double = 1e-4, seed: UInt64 = 0,
                initialCenters: Matrix? = nil) {
        self.k = k
        self.restarts = restarts
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
        self.initialCenters = initialCenters
    }

    public mutating func fit(_ x: Matrix) throws {
        guard k >= 1, x.rows >= k else { throw LearningError.badInput("k-means: \(x.rows) rows for k = \(k)") }
        var generator = SeededGenerator(seed: seed)
        let norms = x.rowSquaredNorms()
        let variance = Self.meanVariance(x)
        let runs = initialCenters == nil ? max(1, restarts) : 1
        var best: (Matrix, Double, Int)?
        for _ in 0..<runs {
            let start = initialCenters ?? Self.plusPlus(x, norms: norms, k: k, generator: &generator)
            let result = lloyd(x, norms: norms, centers: start, threshold: tolerance * variance)
            if best == nil || result.1 < best!.1 { best = result }
        }
        (centers, inertia, iterations) = best!
    }

    /// The nearest centre of each row.
    public func predict(_ x: Matrix) -> [Int] {
        Self.assign(x, norms: x.rowSquaredNorms(), centers: centers).labels
    }

    private func lloyd(_ x: Matrix, norms: [Double], centers start: Matrix, threshold: Double) -> (Matrix, Double, Int) {
        var centers = start
        var iteration = 0
        while iteration < maxIterations {
            iteration += 1
            let (labels, distances) = Self.assign(x, norms: norms, centers: centers)
            var sums = Matrix(rows: k, columns: x.columns)
            var counts = [Int](repeating: 0, count: k)
            x.data.withUnsafeBufferPointer { xs in
                sums.data.withUnsafeMutableBufferPointer { s in
                    for i in 0..<x.rows {
                        let c = labels[i]
                        counts[c] += 1
                        let base = i * x.columns, cb = c * x.columns
                        for j in 0..<x.columns { s[cb + j] += xs[base + j] }
                    }
                }
            }
            var next = sums
            var taken = Set<Int>()
            for c in 0..<k {
                if counts[c] == 0 {
                    // Empty cluster: the point farthest from its centre, not already used.
                    let far = distances.indices.filter { !taken.contains($0) }.max { distances[$0] < distances[$1] } ?? 0
                    taken.insert(far)
                    for j in 0..<x.columns { next[c, j] = x[far, j] }
                } else {
                    for j in 0..<x.columns { next[c, j] /= Double(counts[c]) }
                }
            }
            var shift = 0.0
            for i in 0..<next.data.count { let d = next.data[i] - centers.data[i]; shift += d * d }
            centers = next
            if shift <= threshold { break }
        }
        let (_, distances) = Self.assign(x, norms: norms, centers: centers)
        return (centers, distances.reduce(0, +), iteration)
    }

    /// Labels and squared distances to the nearest centre, one GEMM per block of 65,536 rows
    /// (computed in place on the rows, without copying them).
    static func assign(_ x: Matrix, norms: [Double], centers: Matrix) -> (labels: [Int], distances: [Double]) {
        let k = centers.rows, d = x.columns
        let centerNorms = centers.rowSquaredNorms()
        var labels = [Int](repeating: 0, count: x.rows)
        var distances = [Double](repeating: 0, count: x.rows)
        let block = 65_536
        var products = [Double](repeating: 0, count: min(block, x.rows) * k)
        x.data.withUnsafeBufferPointer { xs in
            centers.data.withUnsafeBufferPointer { cs in
                products.withUnsafeMutableBufferPointer { p in
                    var start = 0
                    while start < x.rows {
                        let count = min(x.rows, start + block) - start
                        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(k), Int32(d), 1.0,
                                    xs.baseAddress! + start * d, Int32(d), cs.baseAddress, Int32(d), 0.0, p.baseAddress, Int32(k))
                        for i in 0..<count {
                            var best = 0
                            var bestDistance = Double.infinity
                            for c in 0..<k {
                                let distance = norms[start + i] - 2 * p[i * k + c] + centerNorms[c]
                                if distance < bestDistance { bestDistance = distance; best = c }
                            }
                            labels[start + i] = best
                            distances[start + i] = max(0, bestDistance)
                        }
                        start += count
                    }
                }
            }
        }
        return (labels, distances)
    }

    /// k-means++: the first centre at random, each next one with probability ∝ squared distance.
    static func plusPlus(_ x: Matrix, norms: [Double], k: Int, generator: inout SeededGenerator) -> Matrix {
        var chosen = [Int(generator.next() % UInt64(x.rows))]
        var closest = [Double](repeating: .infinity, count: x.rows)
        while chosen.count < k {
            let last = x.rows(Array(chosen.suffix(1)))
            let (_, d) = assign(x, norms: norms, centers: last)
            for i in 0..<x.rows { closest[i] = min(closest[i], d[i]) }
            let total = closest.reduce(0, +)
            var pick = 0
            if total > 0 {
                var target = generator.unit() * total
                for i in 0..<x.rows {
                    target -= closest[i]
                    if target <= 0 { pick = i; break }
                    pick = i
                }
            } else {
                pick = Int(generator.next() % UInt64(x.rows))
            }
            chosen.append(pick)
        }
        return x.rows(chosen)
    }

    static func meanVariance(_ x: Matrix) -> Double {
        guard x.rows > 0, x.columns > 0 else { return 0 }
        var sums = [Double](repeating: 0, count: x.columns), squares = sums
        x.data.withUnsafeBufferPointer { xs in
            for i in 0..<x.rows {
                let base = i * x.columns
                for j in 0..<x.columns { let v = xs[base + j]; sums[j] += v; squares[j] += v * v }
            }
        }
        let n = Double(x.rows)
        return (0..<x.columns).reduce(0.0) { $0 + max(0, squares[$1] / n - (sums[$1] / n) * (sums[$1] / n)) } / Double(x.columns)
    }
}
