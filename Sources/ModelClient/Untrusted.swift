import Foundation
import JSONText

/// Numbers and text that come from outside rpt (a server's reply, a header, a file, the command
/// line). Swift traps on an Int conversion that does not fit, so every such number goes through
/// here: it fits the range asked for, or it is refused.
public enum Checked {
    /// `v` as an Int when it is finite and within `range` (a fraction is truncated); nil otherwise.
    public static func int(_ v: Double?, in range: ClosedRange<Int>) -> Int? {
        guard let v, v.isFinite else { return nil }
        // Compared as Doubles, which round huge bounds up: the explicit 2^62 limit keeps Int(v) exact.
        guard v >= Double(range.lowerBound), v <= Double(range.upperBound), abs(v) < 4.6e18 else { return nil }
        return Int(v)
    }

    /// `v` when it is finite and within `range`; nil otherwise (NaN and infinities included).
    public static func double(_ v: Double?, in range: ClosedRange<Double>) -> Double? {
        guard let v, v.isFinite, range.contains(v) else { return nil }
        return v
    }

    /// Seconds as the nanoseconds `Task.sleep` takes, clamped to [0, one day]: a negative, NaN
    /// or huge wait can never trap the conversion.
    public static func nanoseconds(_ seconds: Double) -> UInt64 {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return UInt64(min(seconds, 86_400) * 1e9)
    }

    /// The most tokens one reply may report for its prompt or its completion; more is a server's lie.
    public static let maxTokensPerReply = 100_000_000
}

/// Token counts as a server reports them: missing is 0 (some servers send no usage); anything
/// but a whole count from 0 to `Checked.maxTokensPerReply` makes the reply unreadable, so a
/// lying server can neither trap rpt nor defeat `--budget-tokens` with a negative count.
func tokenCount(_ v: JSONValue?, _ name: String) throws(ModelError) -> Int {
    guard let v, v != .null else { return 0 }
    guard let n = Checked.int(v.number, in: 0...Checked.maxTokensPerReply) else {
        throw ModelError(.badResponse, "the reply's \(name) is \(JSON.encode(v).prefix(40)), not a token count from 0 to \(Checked.maxTokensPerReply)")
    }
    return n
}

/// URLs as rpt writes them down: a password in `http://user:pass@host` never reaches a file,
/// a message or the terminal.
public enum Redact {
    public static let mark = "REDACTED"

    /// The URL with its password (or its whole userinfo, when there is no user) replaced.
    public static func url(_ s: String) -> String {
        guard let scheme = s.range(of: "://") else { return s }
        let rest = s[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return s }
        let userinfo = rest[..<at]
        let user = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let kept = userinfo.contains(":") || user.isEmpty ? "\(user):\(mark)" : String(user)
        return String(s[..<scheme.upperBound]) + kept + String(rest[at...])
    }

    /// True when the URL carries a password that `url` would redact.
    public static func hasSecret(_ s: String) -> Bool { url(s) != s }

    /// `text` with every occurrence of each of `urls` redacted (for messages that quote a URL).
    public static func text(_ text: String, urls: [String]) -> String {
        urls.filter(hasSecret).reduce(text) { $0.replacingOccurrences(of: $1, with: url($1)) }
    }
}
