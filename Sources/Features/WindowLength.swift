/// A window length written as a number and a unit: `100ms`, `1s`, `500us`, `250000ns`.
public enum WindowLength {
    /// Why a window length was refused.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var text: String
        public init(text: String) { self.text = text }
        public var description: String {
            "window `\(text)`: give a positive length with a unit (ns, us, ms, s), e.g. 100ms"
        }
    }

    public static func parse(_ text: String) throws -> Int64 {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard let value = Double(number), value.isFinite, value > 0 else { throw Invalid(text: text) }
            let ns = (value * scale).rounded()
            guard ns >= 1, ns < 1e15 else { throw Invalid(text: text) }
            return Int64(ns)
        }
        throw Invalid(text: text)
    }
}
