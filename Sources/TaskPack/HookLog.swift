import Foundation
import Synchronization

/// Where a pack's `print` and `rpt.log.*` lines go: every line names the hook and the example it
/// came from, and goes to a log file (`hooks.log` in the run or eval folder), to stderr when
/// echoing (`-v`), and to a list `rpt try` shows under each hook.
///
/// A pack is untrusted, so the log is capped: a hook printing in a loop fills neither the disk
/// nor the terminal. Past `maxBytes`, one line says the log was truncated and later lines are
/// only counted. Control characters are escaped, so a pack cannot drive the terminal.
public final class HookLog: Sendable {
    public struct Line: Sendable, Equatable {
        public let hook: String
        public let example: String
        public let level: String
        /// One line of the message (a multi-line message is several `Line`s).
        public let message: String
        /// As written to the file: `[hook example] level: message`.
        public var text: String { "[\(hook) \(example)] \(level): \(message)" }
    }

    public static let defaultMaxBytes = 16 << 20
    /// One message is cut after this many bytes: a hook printing a whole reply stays readable.
    public static let maxMessageBytes = 8 << 10
    public static let fileName = "hooks.log"

    private struct State {
        var file: FileHandle?
        var path: String?
        /// Lines logged before a file is attached (while the pack loads, say), written on attach.
        var pending: [String] = []
        var bytes = 0
        var lines = 0
        var dropped = 0
        var truncated = false
        var kept: [Line] = []
    }
    private let state = Mutex(State())
    private let echo: Bool
    private let tty = isatty(2) == 1
    private let keep: Bool
    public let maxBytes: Int

    /// `echo`: also write each line to stderr. `keep`: also keep the lines for `drain()`.
    public init(echo: Bool = false, keep: Bool = false, maxBytes: Int = HookLog.defaultMaxBytes) {
        self.echo = echo
        self.keep = keep
        self.maxBytes = maxBytes
    }

    /// Writes the log to `path` from now on (lines logged so far first). `append` continues a
    /// file a killed run left; its size counts against the cap.
    public func attach(path: String, append: Bool = false) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let made = append && fm.fileExists(atPath: path) ? true : fm.createFile(atPath: path, contents: nil)
        guard made, let handle = FileHandle(forWritingAtPath: path), let end = try? handle.seekToEnd() else {
            throw PackError(path, "cannot write the hook log here")
        }
        state.withLock { s in
            s.file = handle
            s.path = path
            s.bytes += Int(clamping: end)
            s.truncated = s.truncated || s.bytes >= maxBytes    // a resumed run's full log already says so
            let pending = s.pending
            s.pending = []
            for text in pending { try? handle.write(contentsOf: Data(text.utf8)) }
        }
    }

    /// Logs one message of `hook` on `example`.
    public func write(hook: String, example: String, level: String, message: String) {
        // Past the cap a line costs a count, not its formatting: a pack printing in a loop stays cheap.
        let past = state.withLock { s -> Bool in
            if s.truncated { s.dropped += 1 }
            return s.truncated
        }
        if past { return }
        let hook = Self.clean(hook, max: 64), example = Self.clean(example, max: 200), level = Self.clean(level, max: 16)
        let lines = Self.split(message).map { Line(hook: hook, example: example, level: level, message: $0) }
        state.withLock { s in
            for line in lines {
                guard !s.truncated else { s.dropped += 1; continue }
                let text = line.text + "\n"
                if s.bytes + text.utf8.count > maxBytes {
                    s.truncated = true
                    s.dropped += 1
                    let notice = Line(hook: hook, example: example, level: "rpt",
                                      message: "hook log truncated: the pack logged more than \(Self.size(maxBytes)); later lines are dropped")
                    emit(notice, notice.text + "\n", &s)
                } else {
                    s.bytes += text.utf8.count
                    s.lines += 1
                    emit(line, text, &s)
                }
            }
        }
    }

    private func emit(_ line: Line, _ text: String, _ s: inout State) {
        if let file = s.file { try? file.write(contentsOf: Data(text.utf8)) } else { s.pending.append(text) }
        if keep { s.kept.append(line) }
        // On a terminal, clear a progress bar the line would otherwise run into.
        if echo { FileHandle.standardError.write(Data(((tty ? "\r\u{1B}[K" : "") + text).utf8)) }
    }

    /// The lines kept since the last call (with `keep`), in order.
    public func drain() -> [Line] { state.withLock { s in defer { s.kept = [] }; return s.kept } }

    /// Lines written, lines dropped past the cap, and the file.
    public var counts: (lines: Int, dropped: Int, path: String?) { state.withLock { ($0.lines, $0.dropped, $0.path) } }

    /// A sentence for the end of a command when the hooks logged anything, else nil.
    public var footnote: String? {
        let (lines, dropped, path) = counts
        guard lines > 0, let path else { return nil }
        return "the pack's hooks logged \(lines) line\(lines == 1 ? "" : "s") to \(path)"
            + (dropped > 0 ? " (truncated at \(Self.size(maxBytes)): \(dropped) more dropped)" : "") + (echo ? "" : "; -v shows them as they come")
    }

    /// A message as lines: split at line breaks, cut at `maxMessageBytes`, control characters escaped.
    static func split(_ message: String) -> [String] {
        var text = Substring(message)
        var cut = 0
        if text.utf8.count > maxMessageBytes {
            let end = text.utf8.index(text.utf8.startIndex, offsetBy: maxMessageBytes)
            let kept = Substring(text[..<end])          // rounds down to a whole scalar
            cut = text.utf8.count - kept.utf8.count
            text = kept
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { clean($0, max: .max) }
        if lines.count > 1, lines.last == "" { lines.removeLast() }
        if cut > 0 { lines[lines.count - 1] += " ... (\(cut) more bytes)" }
        return lines
    }

    static func clean<S: StringProtocol>(_ s: S, max: Int) -> String {
        // Unicode's control characters (Cc): C0 but tab, DEL, C1.
        func isControl(_ u: Unicode.Scalar) -> Bool { (u.value < 0x20 && u != "\t") || (0x7F...0x9F).contains(u.value) }
        let scalars = s.unicodeScalars.prefix(max)
        if !scalars.contains(where: isControl) { return String(String.UnicodeScalarView(scalars)) }
        var out = ""
        for u in scalars {
            if isControl(u) {
                out += "\\u{" + String(u.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MB" : bytes >= 1 << 10 ? "\(bytes >> 10) KB" : "\(bytes) bytes"
    }
}

/// Which hook is running on which example, so that a line the pack logs can say so. One per
/// runtime; the engine's log function reads it while a hook runs.
final class HookLogContext: Sendable {
    private let state = Mutex<(hook: String, example: String, log: HookLog?)>(("load", "task.lua", nil))

    init(_ log: HookLog?) { state.withLock { $0.log = log } }

    var log: HookLog? {
        get { state.withLock { $0.log } }
        set { state.withLock { $0.log = newValue } }
    }

    func enter(_ hook: String, _ example: String) { state.withLock { $0.hook = hook; $0.example = example } }

    func write(level: String, message: String) {
        let (hook, example, log) = state.withLock { ($0.hook, $0.example, $0.log) }
        log?.write(hook: hook, example: example, level: level, message: message)
    }
}
