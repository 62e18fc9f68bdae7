// learning-tool: runs one Learning estimator on raw little-endian float64 files and prints JSON,
// for Tests/parity (scikit-learn on the same data) and Benchmarks/learning/bench.py.
//
//   learning-tool kmeans X.f64 ROWS COLS CENTERS.f64 K ITERATIONS
//   learning-tool pca X.f64 ROWS COLS
//   learning-tool logreg X.f64 ROWS COLS Y.f64 CLASSES C ITERATIONS [XTEST.f64 TESTROWS]
import Foundation
import Learning

func load(_ path: String, _ rows: Int, _ cols: Int) -> Matrix {
    let data = FileManager.default.contents(atPath: path) ?? Data()
    guard data.count == rows * cols * 8 else {
        FileHandle.standardError.write(Data("learning-tool: \(path): \(data.count) bytes, expected \(rows * cols * 8)\n".utf8))
        exit(2)
    }
    let values = data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
    return Matrix(rows: rows, columns: cols, data: values)
}

func emit(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

let a = CommandLine.arguments
guard a.count >= 5 else {
    FileHandle.standardError.write(Data("usage: learning-tool kmeans|pca|logreg FILE ROWS COLS ...\n".utf8))
    exit(2)
}
let rows = Int(a[3])!, cols = Int(a[4])!
let x = load(a[2], rows, cols)
let clock = ContinuousClock()
switch a[1] {
case "kmeans":
    let k = Int(a[6])!
    let centers = load(a[5], k, cols)
    var km = KMeans(k: k, restarts: 1, maxIterations: Int(a[7])!, tolerance: 0, initialCenters: centers)
    let t = clock.measure { try! km.fit(x) }
    emit(["inertia": km.inertia, "iterations": km.iterations, "seconds": Double(t.components.attoseconds) / 1e18 + Double(t.components.seconds)])
case "pca":
    var pca = PCA()
    let t = clock.measure { try! pca.fit(x) }
    emit(["explained_variance": pca.explainedVariance, "explained_variance_ratio": pca.explainedVarianceRatio,
          "seconds": Double(t.components.attoseconds) / 1e18 + Double(t.components.seconds)])
case "logreg":
    let y = load(a[5], rows, 1).data.map { Int($0) }
    var lr = LogisticRegression(c: Double(a[7])!, balanced: false, maxIterations: Int(a[8])!, tolerance: 1e-8)
    let t = clock.measure { try! lr.fit(x, y, classes: Int(a[6])!) }
    var out: [String: Any] = ["iterations": lr.iterations, "seconds": Double(t.components.attoseconds) / 1e18 + Double(t.components.seconds)]
    if a.count >= 11 {
        let test = load(a[9], Int(a[10])!, cols)
        out["predictions"] = lr.predict(test)
    }
    emit(out)
default:
    FileHandle.standardError.write(Data("learning-tool: unknown estimator \(a[1])\n".utf8))
    exit(2)
}
