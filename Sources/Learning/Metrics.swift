/// Scores of predictions against truth: precision, recall, F1, confusion matrix, adjusted Rand
/// index, silhouette.
public enum Metrics {
    /// Binary precision, recall and F1 of `predicted` against `actual` (true = positive).
    public static func precisionRecallF1(predicted: [Bool], actual: [Bool]) -> (precision: Double, recall: Double, f1: Double) {
        var tp = 0, fp = 0, fn = 0
        for (p, a) in zip(predicted, actual) {
            if p && a { tp += 1 } else if p { fp += 1 } else if a { fn += 1 }
        }
        let precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
        let recall = tp + fn > 0 ? Double(tp) / Double(tp + fn) : 0
        let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        return (precision, recall, f1)
    }

    /// Precision, recall and F1 of each class 0..<classes (one against the rest), and their
    /// unweighted mean (macro average, as scikit-learn's `average="macro"`).
    public static func perClass(predicted: [Int], actual: [Int], classes: Int)
        -> (precision: [Double], recall: [Double], f1: [Double], macroF1: Double) {
        var precision: [Double] = [], recall: [Double] = [], f1: [Double] = []
        for c in 0..<classes {
            let m = precisionRecallF1(predicted: predicted.map { $0 == c }, actual: actual.map { $0 == c })
            precision.append(m.precision); recall.append(m.recall); f1.append(m.f1)
        }
        return (precision, recall, f1, classes > 0 ? f1.reduce(0, +) / Double(classes) : 0)
    }

    /// counts[actual][predicted] over `classes`.
    public static func confusionMatrix(predicted: [Int], actual: [Int], classes: Int) -> [[Int]] {
        var m = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (p, a) in zip(predicted, actual) where p >= 0 && a >= 0 && p < classes && a < classes { m[a][p] += 1 }
        return m
    }

    /// Adjusted Rand index of two labelings (1 = identical partitions, about 0 = chance).
    public static func adjustedRandIndex(_ a: [Int], _ b: [Int]) -> Double {
        let n = a.count
        guard n > 1 else { return 1 }
        var table: [Int: [Int: Int]] = [:]
        var rowSums: [Int: Int] = [:], columnSums: [Int: Int] = [:]
        for (x, y) in zip(a, b) {
            table[x, default: [:]][y, default: 0] += 1
            rowSums[x, default: 0] += 1
            columnSums[y, default: 0] += 1
        }
        func pairs(_ m: Int) -> Double { Double(m) * Double(m - 1) / 2 }
        let index = table.values.flatMap(\.values).reduce(0.0) { $0 + pairs($1) }
        let rows = rowSums.values.reduce(0.0) { $0 + pairs($1) }
        let cols = columnSums.values.reduce(0.0) { $0 + pairs($1) }
        let expected = rows * cols / pairs(n)
        let maximum = (rows + cols) / 2
        guard maximum != expected else { return 1 }
        return (index - expected) / (maximum - expected)
    }

    /// Mean silhouette coefficient (Euclidean) of `labels` on `x`, on at most `sampleSize` rows
    /// drawn with `seed`; pairwise distances come from one GEMM.
    public static func silhouette(_ x: Matrix, labels: [Int], sampleSize: Int = 2000, seed: UInt64 = 0) -> Double {
        var indices = Array(0..<x.rows)
        if x.rows > sampleSize {
            var generator = SeededGenerator(seed: seed)
            indices.shuffle(using: &generator)
            indices = Array(indices.prefix(sampleSize)).sorted()
        }
        let sample = x.rows(indices)
        let sampleLabels = indices.map { labels[$0] }
        let n = sample.rows
        let norms = sample.rowSquaredNorms()
        let products = sample.multiplied(by: sample, transposeOther: true)
        let clusters = Set(sampleLabels)
        guard clusters.count > 1 else { return 0 }
        var total = 0.0
        for i in 0..<n {
            var sums: [Int: Double] = [:], counts: [Int: Int] = [:]
            for j in 0..<n where j != i {
                let d = max(0, norms[i] + norms[j] - 2 * products[i, j]).squareRoot()
                sums[sampleLabels[j], default: 0] += d
                counts[sampleLabels[j], default: 0] += 1
            }
            let own = sampleLabels[i]
            guard let ownCount = counts[own], ownCount > 0 else { continue }   // singleton: 0
            let a = sums[own]! / Double(ownCount)
            let b = clusters.filter { $0 != own }.compactMap { c in counts[c].map { sums[c]! / Double($0) } }.min() ?? 0
            let s = max(a, b) > 0 ? (b - a) / max(a, b) : 0
            total += s
        }
        return total / Double(n)
    }
}

/// Folds that keep each group (a trace) whole: no window of a test trace is trained on.
public enum GroupKFold {
    /// `k` folds of row indices; groups are dealt to folds in order of size, largest first,
    /// each to the fold with the fewest rows so far.
    public static func folds(groups: [String], k: Int) -> [(train: [Int], test: [Int])] {
        let byGroup = Dictionary(grouping: groups.indices, by: { groups[$0] })
        let ordered = byGroup.keys.sorted { byGroup[$0]!.count != byGroup[$1]!.count ? byGroup[$0]!.count > byGroup[$1]!.count : $0 < $1 }
        let folds = max(1, min(k, ordered.count))
        var assignment = [[Int]](repeating: [], count: folds)
        for g in ordered {
            let f = assignment.indices.min { assignment[$0].count < assignment[$1].count }!
            assignment[f].append(contentsOf: byGroup[g]!)
        }
        return assignment.map { test in
            let testSet = Set(test)
            return (groups.indices.filter { !testSet.contains($0) }, test.sorted())
        }
    }
}
