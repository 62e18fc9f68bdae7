import HostModel

/// The shared thing a period's VM and its culprit contended for: the CPU, a block device or a
/// network link (the device or link the culprit finder chose; nil when the VM used none).
///
/// Its raw value is the text every output shows: `cpu`, `disk 8:0`, `link eth0`, or `disk` and
/// `link` alone without a device; it is encoded as that one string.
public enum Resource: Sendable, Equatable, Hashable, Codable, RawRepresentable {
    case cpu
    case disk(device: String?)
    case link(device: String?)

    /// The resource a kind of interference contends for (memory bandwidth is not seen from the
    /// host: its culprit is sought on the CPU), without its device.
    public init(contendedBy kind: InterferenceKind) {
        switch kind {
        case .disk: self = .disk(device: nil)
        case .net: self = .link(device: nil)
        case .cpu, .memory, .none: self = .cpu
        }
    }

    /// What it is, without the device: `cpu`, `disk` or `link`.
    public var noun: String {
        switch self {
        case .cpu: return "cpu"
        case .disk: return "disk"
        case .link: return "link"
        }
    }

    /// The block device or network link; nil for the CPU or when none was used.
    public var device: String? {
        switch self {
        case .cpu: return nil
        case .disk(let device), .link(let device): return device
        }
    }

    /// The same resource on `device`.
    public func on(_ device: String) -> Resource {
        switch self {
        case .cpu: return .cpu
        case .disk: return .disk(device: device)
        case .link: return .link(device: device)
        }
    }

    public var rawValue: String { device.map { "\(noun) \($0)" } ?? noun }

    /// `cpu`, `disk`, `link`, or `disk`/`link` followed by a space and the device.
    public init?(rawValue: String) {
        let parts = rawValue.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let device = parts.count > 1 ? parts[1] : nil
        switch parts[0] {
        case "cpu" where device == nil: self = .cpu
        case "disk": self = .disk(device: device)
        case "link": self = .link(device: device)
        default: return nil
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let resource = Resource(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a resource: `\(text)`"))
        }
        self = resource
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
