import Foundation

/// Cheap, sure checks of a trace's `metadata` file before libbabeltrace2 reads it, for the
/// inputs on which libbabeltrace2 2.0 spins or allocates gigabytes instead of failing (its own
/// `metadata-info` query spins on them too):
/// - a file of more than 64 MiB (real metadata is kilobytes to a few megabytes);
/// - packetized metadata (LTTng) whose packet framing does not hold: every packet header
///   complete, `content_size` ≤ `packet_size`, both whole bytes, the last packet ending at the
///   file's end (a truncated file makes libbabeltrace2 loop forever);
/// - a fixed-length array declared with more than 1,000,000 elements (libbabeltrace2 builds a
///   field per element: 10^8 elements took 14 GB).
/// This is framing and one number per array, not a CTF parser: libbabeltrace2 still reads the metadata.
enum MetadataCheck {
    static let maxBytes = 64 << 20
    static let maxArrayLength: UInt64 = 1_000_000
    /// magic, uuid, checksum, content_size, packet_size, compression, encryption, checksum scheme, major, minor.
    static let packetHeaderBytes = 37

    struct Problem: Error { var reason: String }

    /// Throws `TraceError.unreadable` naming the metadata file and the problem.
    static func check(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent("metadata")
        do {
            try check(path: path)
        } catch let problem as Problem {
            throw TraceError.unreadable(path: path, reason: problem.reason)
        }
    }

    static func check(path: String) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? Int else { return }   // unreadable: libbabeltrace2 says so
        guard size <= maxBytes else { throw Problem(reason: "the metadata file has \(size) bytes, more than \(maxBytes) (not CTF metadata)") }
        guard let data = FileManager.default.contents(atPath: path) else { return }
        let text = try metadataText(data)
        try checkArrays(text)
    }

    /// The metadata text: the file itself, or the packets' contents when packetized.
    static func metadataText(_ data: Data) throws -> [UInt8] {
        let bytes = [UInt8](data)
        guard bytes.count >= 4 else { return bytes }
        let little: Bool
        switch (bytes[0], bytes[1], bytes[2], bytes[3]) {
        case (0x57, 0x1D, 0xD1, 0x75): little = true
        case (0x75, 0xD1, 0x1D, 0x57): little = false
        default: return bytes   // plain text metadata
        }
        func u32(_ at: Int) -> Int {
            let b = bytes[at..<(at + 4)].map(Int.init)
            return little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        var text: [UInt8] = []
        var offset = 0
        var packet = 0
        while offset < bytes.count {
            guard bytes.count - offset >= packetHeaderBytes else {
                throw Problem(reason: "packetized metadata truncated: packet \(packet) at byte \(offset) has \(bytes.count - offset) of its \(packetHeaderBytes) header bytes")
            }
            guard u32(offset) == 0x75D1_1D57 else {
                throw Problem(reason: "packetized metadata: packet \(packet) at byte \(offset) has no metadata magic number")
            }
            let content = u32(offset + 24), size = u32(offset + 28)
            guard content % 8 == 0, size % 8 == 0, content >= packetHeaderBytes * 8, content <= size else {
                throw Problem(reason: "packetized metadata: packet \(packet) at byte \(offset) has content_size \(content) and packet_size \(size) bits")
            }
            guard size / 8 <= bytes.count - offset else {
                throw Problem(reason: "packetized metadata truncated: packet \(packet) at byte \(offset) declares \(size / 8) bytes, the file has \(bytes.count - offset) left")
            }
            text += bytes[(offset + packetHeaderBytes)..<(offset + content / 8)]
            offset += size / 8
            packet += 1
        }
        return text
    }

    /// Every `[N]` of the text (decimal, hex or octal) at most `maxArrayLength`.
    static func checkArrays(_ text: [UInt8]) throws {
        var i = 0
        while i < text.count {
            if text[i] == UInt8(ascii: "[") {
                var j = i + 1
                while j < text.count, text[j] == 0x20 || text[j] == 0x09 { j += 1 }
                var k = j
                while k < text.count, isNumberByte(text[k]) { k += 1 }
                if k > j, let n = number(String(decoding: text[j..<k], as: UTF8.self)), n > maxArrayLength {
                    throw Problem(reason: "the metadata declares an array of \(n) elements (more than \(maxArrayLength))")
                } else if k > j, number(String(decoding: text[j..<k], as: UTF8.self)) == nil, k - j > 18 {
                    throw Problem(reason: "the metadata declares an array of \(String(decoding: text[j..<k], as: UTF8.self)) elements")
                }
                i = k
            } else {
                i += 1
            }
        }
    }

    private static func isNumberByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66) || b == UInt8(ascii: "x") || b == UInt8(ascii: "X")
    }

    private static func number(_ s: String) -> UInt64? {
        let lower = s.lowercased()
        if lower.hasPrefix("0x") { return UInt64(lower.dropFirst(2), radix: 16) }
        if lower.count > 1, lower.hasPrefix("0") { return UInt64(lower.dropFirst(), radix: 8) }
        return UInt64(lower)
    }
}
