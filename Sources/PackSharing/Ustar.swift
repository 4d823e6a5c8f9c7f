import Foundation

/// The one archive format of `.rptpack` files: POSIX ustar with regular files only. rpt writes it
/// itself (fixed mode, owner and time, so the same folder gives the same bytes) and reads it
/// strictly: an archive comes from another team, so anything but a plain regular file with a safe
/// relative path is refused before a byte of it is written.
enum Ustar {
    static let block = 512

    /// One 512-byte header for a regular file of `size` bytes at `path`.
    static func header(path: String, size: Int) throws(PackStoreError) -> [UInt8] {
        let bytes = Array(path.utf8)
        var name = bytes, prefix: [UInt8] = []
        if bytes.count > 100 {
            // ustar splits a long path at a '/' into prefix (155) and name (100).
            guard let cut = bytes.indices.last(where: { bytes[$0] == UInt8(ascii: "/") && $0 <= 155 && bytes.count - $0 - 1 <= 100 })
            else { throw PackStoreError("\(path): the path is too long for a pack archive (at most 100 bytes per file name)") }
            prefix = Array(bytes[..<cut]); name = Array(bytes[(cut + 1)...])
        }
        var h = [UInt8](repeating: 0, count: block)
        func put(_ field: [UInt8], _ at: Int) { for (i, b) in field.enumerated() { h[at + i] = b } }
        func octal(_ n: Int, _ width: Int) -> [UInt8] {
            let digits = String(n, radix: 8)
            return Array((String(repeating: "0", count: width - 1 - digits.count) + digits).utf8) + [0]
        }
        put(name, 0)
        put(octal(0o644, 8), 100)         // mode
        put(octal(0, 8), 108)             // uid
        put(octal(0, 8), 116)             // gid
        put(octal(size, 12), 124)
        put(octal(0, 12), 136)            // mtime: fixed, so packing is reproducible
        put(Array(repeating: UInt8(ascii: " "), count: 8), 148)
        h[156] = UInt8(ascii: "0")        // regular file
        put(Array("ustar".utf8) + [0], 257)
        put(Array("00".utf8), 263)
        put(prefix, 345)
        let sum = h.reduce(0) { $0 + Int($1) }
        put(Array((String(repeating: "0", count: 6 - String(sum, radix: 8).count) + String(sum, radix: 8)).utf8) + [0, UInt8(ascii: " ")], 148)
        return h
    }

    /// What a header says, once it is known to be a regular file with a sane size.
    struct Entry {
        var path: String
        var size: Int
    }

    /// Reads a header: nil at the end of the archive (a zero block), else the entry. Refuses
    /// every type but a regular file, a bad checksum, a size that is not plain octal.
    static func parse(_ h: [UInt8]) throws(PackStoreError) -> Entry? {
        if h.allSatisfy({ $0 == 0 }) { return nil }
        guard Array(h[257..<263]) == Array("ustar".utf8) + [0] else {
            throw PackStoreError("not a pack archive (no ustar header): make it with rpt pack")
        }
        var sum = 0
        for (i, b) in h.enumerated() { sum += (148..<156).contains(i) ? Int(UInt8(ascii: " ")) : Int(b) }
        guard octal(h[148..<156]) == sum else { throw PackStoreError("the archive is damaged (a header checksum does not match)") }
        let name = field(h[0..<100]), prefix = field(h[345..<500])
        let path = prefix.isEmpty ? name : prefix + "/" + name
        switch h[156] {
        case UInt8(ascii: "0"), 0: break
        case UInt8(ascii: "1"): throw PackStoreError("\(shown(path)) is a hard link: a pack holds regular files only")
        case UInt8(ascii: "2"): throw PackStoreError("\(shown(path)) is a symbolic link: a pack holds regular files only")
        case UInt8(ascii: "3"), UInt8(ascii: "4"): throw PackStoreError("\(shown(path)) is a device: a pack holds regular files only")
        case UInt8(ascii: "5"): throw PackStoreError("\(shown(path)) is a folder entry: a pack holds regular files only")
        case UInt8(ascii: "6"): throw PackStoreError("\(shown(path)) is a named pipe: a pack holds regular files only")
        default: throw PackStoreError("\(shown(path)) has entry type '\(Character(Unicode.Scalar(h[156])))': a pack holds regular files only")
        }
        guard let size = octal(h[124..<136]) else { throw PackStoreError("\(shown(path)): the size field is not a plain octal number") }
        return Entry(path: path, size: size)
    }

    /// A path for a message: control characters escaped, so an archive cannot drive the terminal.
    static func shown(_ path: String) -> String {
        String(path.unicodeScalars.prefix(300).map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
    }

    private static func field(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Octal digits with optional leading spaces and a NUL/space end; nil for anything else
    /// (GNU base-256 sizes among them), or past 2^40.
    private static func octal(_ bytes: ArraySlice<UInt8>) -> Int? {
        let digits = bytes.drop { $0 == UInt8(ascii: " ") }.prefix { $0 != 0 && $0 != UInt8(ascii: " ") }
        guard !digits.isEmpty, digits.count <= 13 else { return nil }
        var n = 0
        for d in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(d) else { return nil }
            n = n * 8 + Int(d - UInt8(ascii: "0"))
        }
        return n
    }

    /// Zero bytes that round `size` up to a whole block.
    static func padding(_ size: Int) -> Int { (block - size % block) % block }
}
