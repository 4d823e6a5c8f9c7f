/// A pack version, MAJOR.MINOR.PATCH with an optional -prerelease (no build metadata: a version
/// names a folder in the store, so one spelling per version).
public struct SemVer: Sendable, Comparable, CustomStringConvertible {
    public let major: Int, minor: Int, patch: Int
    public let prerelease: String

    public init?(_ text: String) {
        guard text.utf8.count <= 64 else { return nil }
        let (core, pre) = text.firstIndex(of: "-").map { (text[..<$0], String(text[text.index(after: $0)...])) } ?? (Substring(text), "")
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let n = Self.numbers(parts) else { return nil }
        if text.contains("-") {
            guard !pre.isEmpty, pre.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7a) || $0 == 0x2e || $0 == 0x2d }),
                  !pre.hasPrefix("."), !pre.contains("..") else { return nil }
        }
        (major, minor, patch, prerelease) = (n[0], n[1], n[2], pre)
    }

    /// Plain decimal numbers without leading zeros (so "01" and "1" are not two versions).
    static func numbers(_ parts: [Substring]) -> [Int]? {
        var out: [Int] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 9, p.allSatisfy(\.isASCII), p.allSatisfy(\.isNumber), p == "0" || !p.hasPrefix("0"), let n = Int(p) else { return nil }
            out.append(n)
        }
        return out
    }

    public var description: String { "\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-\(prerelease)") }

    public static func < (a: SemVer, b: SemVer) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) { return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch) }
        // A prerelease comes before its release.
        if a.prerelease.isEmpty != b.prerelease.isEmpty { return !a.prerelease.isEmpty }
        return a.prerelease < b.prerelease
    }

    public static func == (a: SemVer, b: SemVer) -> Bool { a.description == b.description }
}

/// What a `NAME@RANGE` asks for: `1.2.3` (exactly), `^1.2` (same major, at least 1.2; for 0.x the
/// same minor), `~1.2` (same minor), `>=1.2`, `1` or `1.2` (that prefix), `*` (any). Prereleases
/// match only an exact range.
public struct VersionRange: Sendable, CustomStringConvertible {
    enum Kind: Sendable { case exact(SemVer), caret(SemVer), tilde(SemVer), atLeast(SemVer), major(Int), any }
    let kind: Kind
    public let description: String

    public init?(_ text: String) {
        description = text
        if text == "*" || text.isEmpty { kind = .any; return }
        if let v = SemVer(text.hasPrefix("=") ? String(text.dropFirst()) : text) { kind = .exact(v); return }
        if let v = Self.partial(text) {
            kind = text.split(separator: ".").count == 1 ? .major(v.major) : .tilde(v); return
        }
        for (mark, make) in [("^", Kind.caret), ("~", Kind.tilde), (">=", Kind.atLeast)] as [(String, (SemVer) -> Kind)] where text.hasPrefix(mark) {
            guard let v = Self.partial(String(text.dropFirst(mark.count))) else { return nil }
            kind = make(v); return
        }
        return nil
    }

    /// 1, 1.2 or 1.2.3, the missing parts 0.
    static func partial(_ text: String) -> SemVer? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), let n = SemVer.numbers(parts) else { return nil }
        return SemVer((n + [0, 0]).prefix(3).map(String.init).joined(separator: "."))
    }

    public func matches(_ v: SemVer) -> Bool {
        if case .exact(let want) = kind { return v == want }
        guard v.prerelease.isEmpty else { return false }
        switch kind {
        case .exact: return false
        case .any: return true
        case .major(let n): return v.major == n
        case .atLeast(let low): return v >= low
        case .tilde(let low): return v >= low && v.major == low.major && v.minor == low.minor
        case .caret(let low):
            guard v >= low else { return false }
            if low.major > 0 { return v.major == low.major }
            return v.major == 0 && v.minor == low.minor
        }
    }

    /// The highest of `versions` that matches.
    public func best(_ versions: [String]) -> String? {
        versions.compactMap { s in SemVer(s).flatMap { matches($0) ? ($0, s) : nil } }.max { $0.0 < $1.0 }?.1
    }
}

/// `NAME` or `NAME@RANGE` as typed on the command line.
public struct PackRequest: Sendable, CustomStringConvertible {
    public let name: String
    public let range: VersionRange

    public init?(_ text: String) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard PackName.isSafe(parts[0]), let range = VersionRange(parts.count == 2 ? parts[1] : "*"),
              parts.count == 1 || !parts[1].isEmpty else { return nil }
        name = parts[0]; self.range = range
    }

    public var description: String { range.description == "*" || range.description.isEmpty ? name : "\(name)@\(range)" }
}
