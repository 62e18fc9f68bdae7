import Foundation

/// What can go wrong reading or writing a PT capture; each case names the input and the problem.
public enum PTError: Error, CustomStringConvertible, Equatable {
    case missingSidecar(String)
    case badSidecar(String, String)
    case unknownCPU(String, String)
    case noSync(String)
    case io(String, String)
    case libipt(String, String)
    case badEvent(String)

    public var description: String {
        switch self {
        case .missingSidecar(let p): return "\(p): no PT sidecar file (\(PTCapture.sidecarName))"
        case .badSidecar(let p, let why): return "\(p): bad PT sidecar: \(why)"
        case .unknownCPU(let p, let cpu): return "\(p): unknown CPU \(cpu) (not an Intel PT CPU libipt knows)"
        case .noSync(let p): return "\(p): no PSB packet found: not an Intel PT stream"
        case .io(let p, let why): return "\(p): \(why)"
        case .libipt(let p, let why): return "\(p): libipt: \(why)"
        case .badEvent(let why): return "PT writer: \(why)"
        }
    }
}
