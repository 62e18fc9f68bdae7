import Foundation

/// Multinomial logistic regression with L2, trained by L-BFGS whose loss and gradient are two
/// GEMMs per evaluation. Minimises (1/n)·Σ wᵢ·log-loss(xᵢ, yᵢ) + (λ/2)·‖W‖², λ = 1/(C·n): the same
/// optimum as scikit-learn's `LogisticRegression(C=C, multi_class="multinomial")`. With
/// `balanced`, wᵢ = n / (classes · count(yᵢ)) (scikit-learn's `class_weight="balanced"`).
public struct LogisticRegression: Sendable, Codable, Equatable {
    public var c: Double
    public var balanced: Bool
    public var maxIterations: Int
    public var tolerance: Double

    /// d × K weights (row-major) and K intercepts.
    public private(set) var weights = Matrix(rows: 0, columns: 0)
    public private(set) var intercepts: [Double] = []
    public private(set) var classCount = 0
    public private(set) var iterations = 0

    public init(c: Double = 1.0, balanced: Bool = true, maxIterations: Int = 200, tolerance: Double = 1e-6) {
        self.c = c
        self.balanced = balanced
        self.maxIterations = maxIterations
        self.tolerance = tolerance
    }

    /// `y` holds class indices 0..<classes.
    public mutating func fit(_ x: Matrix, _ y: [Int], classes: Int) throws {
        guard x.rows == y.count, x.rows > 0 else { throw LearningError.badInput("logistic regression: \(x.rows) rows, \(y.count) labels") }
        guard classes >= 2 else { throw LearningError.badInput("logistic regression needs 2 classes or more") }
        let n = x.rows, d = x.columns, k = classes
        var counts = [Int](repeating: 0, count: k)
        for label in y { counts[label] += 1 }
        let present = counts.filter { $0 > 0 }.count
        let sampleWeights = y.map { balanced ? Double(n) / (Double(present) * Double(counts[$0])) : 1.0 }
        let lambda = 1.0 / (c * Double(n))

        func evaluate(_ theta: [Double]) -> (Double, [Double]) {
            let w = Matrix(rows: d, columns: k, data: Array(theta[0..<(d * k)]))
            let b = Array(theta[(d * k)...])
            var scores = x.multiplied(by: w)
            var loss = 0.0
            scores.data.withUnsafeMutableBufferPointer { sp in
                let s = sp.baseAddress!
                for i in 0..<n {
                    let row = s + i * k
                    var m = -Double.infinity
                    for j in 0..<k { row[j] += b[j]; m = max(m, row[j]) }
                    let truth = row[y[i]]
                    var sum = 0.0
                    for j in 0..<k { let e = exp(row[j] - m); row[j] = e; sum += e }
                    let weight = sampleWeights[i]
                    loss += weight * (m + log(sum) - truth)
                    // The score is replaced by the gradient of the loss at it: w·(p − 1[j = y]) / n.
                    let scale = weight / (sum * Double(n))
                    for j in 0..<k { row[j] *= scale }
                    row[y[i]] -= weight / Double(n)
                }
            }
            loss /= Double(n)
            let gw = x.multiplied(by: scores, transposeSelf: true)   // d × k
            var gradient = gw.data
            var penalty = 0.0
            for i in 0..<(d * k) { gradient[i] += lambda * theta[i]; penalty += theta[i] * theta[i] }
            loss += 0.5 * lambda * penalty
            var gb = [Double](repeating: 0, count: k)
            scores.data.withUnsafeBufferPointer { sp in for i in 0..<n { for j in 0..<k { gb[j] += sp[i * k + j] } } }
            gradient.append(contentsOf: gb)
            return (loss, gradient)
        }

        let (theta, used) = LBFGS(maxIterations: maxIterations, tolerance: tolerance)
            .minimize(start: [Double](repeating: 0, count: d * k + k), evaluate)
        weights = Matrix(rows: d, columns: k, data: Array(theta[0..<(d * k)]))
        intercepts = Array(theta[(d * k)...])
        classCount = k
        iterations = used
    }

    /// Class probabilities, one row per sample.
    public func predictProbabilities(_ x: Matrix) -> Matrix {
        var scores = x.multiplied(by: weights)
        let k = classCount
        for i in 0..<x.rows {
            let base = i * k
            var m = -Double.infinity
            for j in 0..<k { scores.data[base + j] += intercepts[j]; m = max(m, scores.data[base + j]) }
            var sum = 0.0
            for j in 0..<k { scores.data[base + j] = exp(scores.data[base + j] - m); sum += scores.data[base + j] }
            for j in 0..<k { scores.data[base + j] /= sum }
        }
        return scores
    }

    public func predict(_ x: Matrix) -> [Int] {
        let p = predictProbabilities(x)
        return (0..<x.rows).map { i in (0..<classCount).max { p[i, $0] < p[i, $1] }! }
    }
}

/// Limited-memory BFGS with a backtracking (Armijo) line search.
struct LBFGS {
    var maxIterations: Int
    var tolerance: Double
    var memory = 10

    func minimize(start: [Double], _ f: ([Double]) -> (Double, [Double])) -> ([Double], Int) {
        var x = start
        var (fx, g) = f(x)
        var s: [[Double]] = [], yv: [[Double]] = [], rho: [Double] = []
        var iteration = 0
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        while iteration < maxIterations {
            let gnorm = g.reduce(0) { max($0, abs($1)) }
            if gnorm < tolerance { break }
            iteration += 1
            // Two-loop recursion for the direction.
            var q = g
            var alphas = [Double](repeating: 0, count: s.count)
            for i in stride(from: s.count - 1, through: 0, by: -1) {
                alphas[i] = rho[i] * dot(s[i], q)
                for j in q.indices { q[j] -= alphas[i] * yv[i][j] }
            }
            if let lastS = s.last, let lastY = yv.last {
                let gamma = dot(lastS, lastY) / max(1e-300, dot(lastY, lastY))
                for j in q.indices { q[j] *= gamma }
            }
            for i in 0..<s.count {
                let beta = rho[i] * dot(yv[i], q)
                for j in q.indices { q[j] += s[i][j] * (alphas[i] - beta) }
            }
            var direction = q.map { -$0 }
            var slope = dot(g, direction)
            if slope >= 0 { direction = g.map { -$0 }; slope = -dot(g, g); s = []; yv = []; rho = [] }
            var step = 1.0
            var accepted = false
            var nx = x, nf = fx, ng = g
            for _ in 0..<40 {
                nx = zip(x, direction).map { $0 + step * $1 }
                (nf, ng) = f(nx)
                if nf <= fx + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            if !accepted { break }
            let sk = zip(nx, x).map { $0 - $1 }
            let yk = zip(ng, g).map { $0 - $1 }
            let sy = dot(sk, yk)
            if sy > 1e-12 {
                s.append(sk); yv.append(yk); rho.append(1 / sy)
                if s.count > memory { s.removeFirst(); yv.removeFirst(); rho.removeFirst() }
            }
            let improvement = abs(fx - nf)
            x = nx; fx = nf; g = ng
            if improvement < tolerance * max(1, abs(fx)) * 1e-3 { break }
        }
        return (x, iteration)
    }
}
