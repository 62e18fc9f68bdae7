import Foundation

/// `sink.ctf.fs` gives every trace a random UUID (babeltrace2 2.0's `fs_sink_ctf_trace_create`
/// calls `bt_uuid_generate`), written in `metadata` and in every packet header. To make the same
/// scenario give the same bytes, the written UUID is replaced, as an opaque 16-byte value, by one
/// derived from the seed: a byte substitution over the finished files, not CTF writing.
enum UUIDPinning {
    static func pin(traceFolder: String, to uuid: [UInt8]) throws {
        let fm = FileManager.default
        let metadataPath = traceFolder + "/metadata"
        guard var metadata = try? String(contentsOfFile: metadataPath, encoding: .utf8),
              let range = metadata.range(of: #"uuid = "[0-9a-f-]{36}""#, options: .regularExpression) else { return }
        let written = String(metadata[range].dropFirst(8).dropLast())
        let old = hexBytes(written)
        guard old.count == 16 else { return }
        let text = format(uuid)
        metadata = metadata.replacingOccurrences(of: written, with: text)
        try metadata.write(toFile: metadataPath, atomically: false, encoding: .utf8)
        for file in try fm.contentsOfDirectory(atPath: traceFolder) where file != "metadata" {
            let path = traceFolder + "/" + file
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            try replace(old, with: uuid, in: path)
        }
    }

    /// Replaces every occurrence of `old` by `new` (same length) in a file, in 8 MiB chunks.
    static func replace(_ old: [UInt8], with new: [UInt8], in path: String) throws {
        guard let handle = FileHandle(forUpdatingAtPath: path) else { return }
        defer { try? handle.close() }
        let chunk = 8 << 20
        var offset: UInt64 = 0
        while true {
            try handle.seek(toOffset: offset)
            guard let data = try handle.read(upToCount: chunk + old.count - 1), data.count >= old.count else { return }
            var bytes = [UInt8](data)
            var changed = false
            bytes.withUnsafeMutableBytes { buffer in
                old.withUnsafeBytes { needle in
                    var start = 0
                    let base = buffer.baseAddress!
                    while start + old.count <= buffer.count,
                          let hit = memchr(base + start, Int32(old[0]), buffer.count - start - old.count + 1) {
                        let at = base.distance(to: hit)
                        if memcmp(hit, needle.baseAddress!, old.count) == 0 {
                            for k in 0..<new.count { buffer[at + k] = new[k] }
                            changed = true
                            start = at + old.count
                        } else {
                            start = at + 1
                        }
                    }
                }
            }
            if changed {
                try handle.seek(toOffset: offset)
                handle.write(Data(bytes))
            }
            if data.count < chunk + old.count - 1 { return }
            offset += UInt64(chunk)
        }
    }

    static func hexBytes(_ text: String) -> [UInt8] {
        let hex = text.replacingOccurrences(of: "-", with: "")
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return [] }
            out.append(byte)
            index = next
        }
        return out
    }

    static func format(_ b: [UInt8]) -> String {
        let hex = b.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}
