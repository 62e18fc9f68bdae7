import CBLAS
import Dispatch

/// k-means: k-means++ seeding, `restarts` runs keeping the lowest inertia, Lloyd iterations whose
/// point-to-centre distances come from one GEMM per chunk of rows (‖x‖² − 2·X·Cᵀ + ‖c‖²), stopping
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
            let pass = Self.pass(x, norms: norms, centers: centers, accumulate: true)
            var next = pass.sums
            var taken = Set<Int>()
            for c in 0..<k {
                if pass.counts[c] == 0 {
                    // Empty cluster: the point farthest from its centre, not already used.
                    var far = -1
                    for i in 0..<x.rows where !taken.contains(i) && (far < 0 || pass.distances[i] > pass.distances[far]) { far = i }
                    far = max(far, 0)
                    taken.insert(far)
                    for j in 0..<x.columns { next[c, j] = x[far, j] }
                } else {
                    for j in 0..<x.columns { next[c, j] /= Double(pass.counts[c]) }
                }
            }
            var shift = 0.0
            for i in 0..<next.data.count { let d = next.data[i] - centers.data[i]; shift += d * d }
            centers = next
            if shift <= threshold { break }
        }
        let final = Self.pass(x, norms: norms, centers: centers, accumulate: false)
        return (centers, final.distances.reduce(0, +), iteration)
    }

    /// Labels and squared distances to the nearest centre.
    static func assign(_ x: Matrix, norms: [Double], centers: Matrix) -> (labels: [Int], distances: [Double]) {
        let p = pass(x, norms: norms, centers: centers, accumulate: false)
        return (p.labels, p.distances)
    }

    /// One pass over the rows: for each chunk of rows, one GEMM gives x·cᵀ, then
    /// ‖x‖² − 2·x·cᵀ + ‖c‖² the nearest centre, and (with `accumulate`) the chunk, still in cache, is
    /// added to its centres' sums. The rows are cut into a fixed number of stripes (independent of
    /// the machine's cores, so sums are added in the same order everywhere) run concurrently; chunks
    /// are small enough that OpenBLAS runs each GEMM on the calling thread.
    static func pass(_ x: Matrix, norms: [Double], centers: Matrix, accumulate: Bool)
        -> (labels: [Int], distances: [Double], sums: Matrix, counts: [Int]) {
        let n = x.rows, k = centers.rows, d = x.columns
        let centerNorms = centers.rowSquaredNorms()
        var labels = [Int](repeating: 0, count: n)
        var distances = [Double](repeating: 0, count: n)
        let chunk = max(16, min(1024, 131_072 / max(1, k * d)))
        let stripes = max(1, min(16, (n + chunk - 1) / chunk))
        let stripeRows = (n + stripes - 1) / stripes
        var stripeSums = [Double](repeating: 0, count: accumulate ? stripes * k * d : 0)
        var stripeCounts = [Int](repeating: 0, count: accumulate ? stripes * k : 0)
        x.data.withUnsafeBufferPointer { xs in
        centers.data.withUnsafeBufferPointer { cs in
        norms.withUnsafeBufferPointer { xn in
        centerNorms.withUnsafeBufferPointer { cn in
        labels.withUnsafeMutableBufferPointer { lb in
        distances.withUnsafeMutableBufferPointer { db in
        stripeSums.withUnsafeMutableBufferPointer { ss in
        stripeCounts.withUnsafeMutableBufferPointer { sc in
            let (xp, cp, np, cnp) = (xs.baseAddress!, cs.baseAddress!, xn.baseAddress!, cn.baseAddress!)
            // An empty array's base address may be the shared empty storage: never write through it.
            let (lp, dp) = (lb.baseAddress!, db.baseAddress!)
            let (ssp, scp) = accumulate ? (ss.baseAddress, sc.baseAddress) : (nil, nil)
            DispatchQueue.concurrentPerform(iterations: stripes) { stripe in
                let products = UnsafeMutablePointer<Double>.allocate(capacity: chunk * k)
                defer { products.deallocate() }
                let sums = ssp.map { $0 + stripe * k * d }, counts = scp.map { $0 + stripe * k }
                var start = stripe * stripeRows
                let end = min(n, start + stripeRows)
                while start < end {
                    let count = min(end, start + chunk) - start
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(k), Int32(d), 1.0,
                                xp + start * d, Int32(d), cp, Int32(d), 0.0, products, Int32(k))
                    for i in 0..<count {
                        let row = start + i
                        var best = 0
                        var bestDistance = Double.infinity
                        let p = products + i * k
                        for c in 0..<k {
                            let distance = cnp[c] - 2 * p[c]
                            if distance < bestDistance { bestDistance = distance; best = c }
                        }
                        lp[row] = best
                        dp[row] = max(0, bestDistance + np[row])
                        if let sums, let counts {
                            counts[best] += 1
                            let s = sums + best * d, r = xp + row * d
                            for j in 0..<d { s[j] += r[j] }
                        }
                    }
                    start += count
                }
            }
        }}}}}}}}
        var sums = Matrix(rows: k, columns: d)
        var counts = [Int](repeating: 0, count: k)
        if accumulate {
            for stripe in 0..<stripes {
                for c in 0..<k { counts[c] += stripeCounts[stripe * k + c] }
                for i in 0..<(k * d) { sums.data[i] += stripeSums[stripe * k * d + i] }
            }
        }
        return (labels, distances, sums, counts)
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
