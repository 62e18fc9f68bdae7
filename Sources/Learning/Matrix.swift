import CBLAS

/// A dense row-major matrix of doubles whose heavy operations call CBLAS (`dgemm`, `dsyrk`,
/// `dgemv`) and LAPACKE (`dsyevd`): no hand-written matrix product on a hot path.
public struct Matrix: Sendable, Equatable, Codable {
    public let rows: Int
    public let columns: Int
    public var data: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = rows
        self.columns = columns
        self.data = Array(repeating: value, count: rows * columns)
    }

    public init(rows: Int, columns: Int, data: [Double]) {
        precondition(data.count == rows * columns, "Matrix: \(data.count) values for \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self.data = data
    }

    /// Rows given as arrays of equal length.
    public init(_ rowArrays: [[Double]]) {
        let columns = rowArrays.first?.count ?? 0
        self.init(rows: rowArrays.count, columns: columns, data: rowArrays.flatMap { $0 })
    }

    public subscript(row: Int, column: Int) -> Double {
        get { data[row * columns + column] }
        set { data[row * columns + column] = newValue }
    }

    public func row(_ i: Int) -> ArraySlice<Double> { data[(i * columns)..<((i + 1) * columns)] }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> Matrix {
        var out = [Double]()
        out.reserveCapacity(indices.count * columns)
        for i in indices { out.append(contentsOf: row(i)) }
        return Matrix(rows: indices.count, columns: columns, data: out)
    }

    /// self · other (or with either transposed), through `cblas_dgemm`.
    public func multiplied(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        let m = transposeSelf ? columns : rows
        let k = transposeSelf ? rows : columns
        let k2 = transposeOther ? other.columns : other.rows
        let n = transposeOther ? other.rows : other.columns
        precondition(k == k2, "Matrix: inner dimensions \(k) and \(k2) differ")
        var out = Matrix(rows: m, columns: n)
        guard m > 0, n > 0, k > 0 else { return out }
        data.withUnsafeBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                out.data.withUnsafeMutableBufferPointer { c in
                    cblas_dgemm(CblasRowMajor, transposeSelf ? CblasTrans : CblasNoTrans,
                                transposeOther ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), 1.0, a.baseAddress, Int32(columns),
                                b.baseAddress, Int32(other.columns), 0.0, c.baseAddress, Int32(n))
                }
            }
        }
        return out
    }

    /// selfᵀ · self (columns × columns, symmetric), through `cblas_dsyrk`.
    public func gram() -> Matrix {
        var out = Matrix(rows: columns, columns: columns)
        guard rows > 0, columns > 0 else { return out }
        data.withUnsafeBufferPointer { a in
            out.data.withUnsafeMutableBufferPointer { c in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(rows), 1.0,
                            a.baseAddress, Int32(columns), 0.0, c.baseAddress, Int32(columns))
            }
        }
        for i in 0..<columns { for j in 0..<i { out[i, j] = out[j, i] } }
        return out
    }

    /// self · vector, through `cblas_dgemv`.
    public func multiplied(by vector: [Double]) -> [Double] {
        precondition(vector.count == columns)
        var out = [Double](repeating: 0, count: rows)
        guard rows > 0, columns > 0 else { return out }
        data.withUnsafeBufferPointer { a in
            vector.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), 1.0, a.baseAddress,
                                Int32(columns), x.baseAddress, 1, 0.0, y.baseAddress, 1)
                }
            }
        }
        return out
    }

    /// Eigenvalues (ascending) and eigenvectors (as columns) of a symmetric matrix, through
    /// `LAPACKE_dsyevd`.
    public func symmetricEigen() throws -> (values: [Double], vectors: Matrix) {
        precondition(rows == columns)
        var a = data
        var w = [Double](repeating: 0, count: rows)
        let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
                                  Int32(rows), &a, Int32(rows), &w)
        guard info == 0 else { throw LearningError.numerical("dsyevd failed (info \(info))") }
        return (w, Matrix(rows: rows, columns: rows, data: a))
    }

    /// Sum of squares of each row.
    public func rowSquaredNorms() -> [Double] {
        var out = [Double](repeating: 0, count: rows)
        data.withUnsafeBufferPointer { a in
            for i in 0..<rows {
                var s = 0.0
                let base = i * columns
                for j in 0..<columns { s += a[base + j] * a[base + j] }
                out[i] = s
            }
        }
        return out
    }

    public func transposed() -> Matrix {
        var out = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { out.data[j * rows + i] = data[i * columns + j] } }
        return out
    }
}

/// Why a learning step could not be done.
public enum LearningError: Error, CustomStringConvertible, Equatable {
    case numerical(String)
    case badInput(String)

    public var description: String {
        switch self {
        case .numerical(let s): return "numerical failure: \(s)"
        case .badInput(let s): return s
        }
    }
}
