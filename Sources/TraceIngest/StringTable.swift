/// Interns the strings of a trace (comm, device and IRQ names, `rwbs`) to small integer ids.
///
/// Ids are dense and stable for the life of the table; `StringTable.none` (-1) means "no string".
/// Interning from C bytes hashes the bytes and allocates a `String` only for a value not seen yet.
public final class StringTable: @unchecked Sendable {
    /// The id of "no string".
    public static let none: Int32 = -1

    public private(set) var strings: [String] = []
    private var ids: [String: Int32] = [:]
    // Open-addressing cache keyed by an FNV-1a hash of the raw bytes, so the common case (a comm
    // seen before) needs no String allocation.
    private var slots: [Int32]
    private var slotHashes: [UInt64]
    private var mask: Int
    // The raw bytes each cache slot was filled from (strings with invalid UTF-8 are repaired by
    // `String(cString:)`, so the bytes, not the String, are what a later lookup must match).
    private var slotBytes: [[UInt8]]
    private var filled = 0

    public init() {
        mask = 4095
        slots = Array(repeating: -1, count: mask + 1)
        slotHashes = Array(repeating: 0, count: mask + 1)
        slotBytes = Array(repeating: [], count: mask + 1)
    }

    public var count: Int { strings.count }

    public subscript(id: Int32) -> String {
        id >= 0 && Int(id) < strings.count ? strings[Int(id)] : ""
    }

    /// The id of `value`, adding it when new.
    @discardableResult
    public func intern(_ value: String) -> Int32 {
        if let id = ids[value] { return id }
        let id = Int32(strings.count)
        strings.append(value)
        ids[value] = id
        return id
    }

    /// The id of an existing string, or nil.
    public func id(of value: String) -> Int32? { ids[value] }

    /// The id of a NUL-terminated C string.
    public func intern(cString: UnsafePointer<CChar>) -> Int32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var length = 0
        while true {
            let byte = UInt8(bitPattern: cString[length])
            if byte == 0 { break }
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            length += 1
        }
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = slots[slot]
            if id < 0 { break }
            if slotHashes[slot] == hash && matches(slot: slot, cString, length) { return id }
            slot = (slot + 1) & mask
        }
        let id = intern(String(cString: cString))
        slots[slot] = id
        slotHashes[slot] = hash
        slotBytes[slot] = Array(UnsafeRawBufferPointer(start: cString, count: length))
        filled += 1
        if filled * 2 > mask { grow() }
        return id
    }

    private func matches(slot: Int, _ cString: UnsafePointer<CChar>, _ length: Int) -> Bool {
        let bytes = slotBytes[slot]
        guard bytes.count == length else { return false }
        for i in 0..<length where bytes[i] != UInt8(bitPattern: cString[i]) { return false }
        return true
    }

    private func grow() {
        let old = zip(zip(slots, slotHashes), slotBytes).filter { $0.0.0 >= 0 }
        mask = mask * 2 + 1
        slots = Array(repeating: -1, count: mask + 1)
        slotHashes = Array(repeating: 0, count: mask + 1)
        slotBytes = Array(repeating: [], count: mask + 1)
        for ((id, hash), bytes) in old {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = id
            slotHashes[slot] = hash
            slotBytes[slot] = bytes
        }
    }
}
