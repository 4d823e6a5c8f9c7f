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

    /// How errors name the file.
    private let display: String

    init(path: String, display: String? = nil) throws {
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw PackError(display ?? path, "cannot open the file (does it exist and is it readable?)")
        }
        handle = h
        self.display = display ?? path
    }

    /// Data is UTF-8: a byte that is not (a Latin-1 file, say) is an error at its line, never
    /// silently replaced. Only lines with a non-ASCII byte pay for the check.
    private func checkUTF8(_ line: UnsafeBufferPointer<UInt8>, _ number: Int) throws {
        guard line.contains(where: { $0 >= 0x80 }) else { return }
        var decoder = UTF8()
        var bytes = line.makeIterator()
        var column = 1
        while true {
            switch decoder.decode(&bytes) {
            case .scalarValue(let u): column += u.utf8.count
            case .emptyInput: return
            case .error:
                throw PackError("\(display):\(number)", "not valid UTF-8 at byte \(column) of the line: save the file as UTF-8 "
                                + "(e.g. iconv -f latin1 -t utf-8 FILE > NEW)")
            }
        }
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
                return try buffer.withUnsafeBufferPointer { all in
                    let line = UnsafeBufferPointer(rebasing: all[lineStart..<end])
                    try checkUTF8(line, n)
                    return try body(line, n)
                }
            }
            if eof {
                guard start < buffer.count else { return nil }
                let lineStart = start
                start = buffer.count
                lineNumber += 1
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                let n = lineNumber
                return try buffer.withUnsafeBufferPointer { all in
                    let line = UnsafeBufferPointer(rebasing: all[lineStart..<end])
                    try checkUTF8(line, n)
                    return try body(line, n)
                }
            }
            buffer.removeSubrange(0..<start)
            start = 0
            let data = try handle.read(upToCount: ByteLines.chunk) ?? Data()
            if data.isEmpty { eof = true; try? handle.close() } else { buffer.append(contentsOf: data) }
        }
    }
}
