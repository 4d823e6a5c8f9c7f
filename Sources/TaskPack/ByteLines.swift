import Foundation

/// Reads a file in fixed-size chunks and hands out its lines without holding the whole file,
/// so memory stays with the rows a caller keeps. Line numbers start at 1.
struct ByteLines {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    private(set) var lineNumber = 0
    static let chunk = 1 << 18

    init(path: String) throws {
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw PackError(path, "cannot open the file (does it exist and is it readable?)")
        }
        handle = h
    }

    /// Calls `body` with the next line (and its number) without its newline (and without a trailing CR), or nil at the end.
    mutating func next<R>(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> R) throws -> R? {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                let lineStart = start
                start = nl + 1
                lineNumber += 1
                var end = nl
                if end > lineStart, buffer[end - 1] == 0x0D { end -= 1 }
                let n = lineNumber
                return try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[lineStart..<end]), n) }
            }
            if eof {
                guard start < buffer.count else { return nil }
                let lineStart = start
                start = buffer.count
                lineNumber += 1
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                let n = lineNumber
                return try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[lineStart..<end]), n) }
            }
            buffer.removeSubrange(0..<start)
            start = 0
            let data = try handle.read(upToCount: ByteLines.chunk) ?? Data()
            if data.isEmpty { eof = true; try? handle.close() } else { buffer.append(contentsOf: data) }
        }
    }
}
