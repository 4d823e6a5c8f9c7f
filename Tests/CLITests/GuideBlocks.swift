import Foundation
import TestSupport

/// The fenced code blocks of docs/writing-task-packs.md, by what their info string says they are:
/// `lua pack=P file=F` / `jsonl pack=P file=F` / `md pack=P file=F` (a file of scratch pack P), `lua library` (lines
/// `EXPR --> RESULT`), `sh walkthrough` (rpt commands run in order).
struct GuideBlock {
    enum Kind: Equatable {
        case file(pack: String, path: String)
        case library
        case walkthrough
        case unknown(String)
    }
    var kind: Kind
    var body: String
    /// The line of the opening fence, for messages.
    var line: Int

    static let path = repoRoot.appendingPathComponent("docs/writing-task-packs.md")

    static func all() throws -> [GuideBlock] {
        let lines = try String(contentsOf: path, encoding: .utf8).components(separatedBy: "\n")
        var blocks: [GuideBlock] = [], open: (info: String, line: Int)?, body: [String] = []
        for (i, line) in lines.enumerated() where line.hasPrefix("```") || open != nil {
            if !line.hasPrefix("```") { body.append(line); continue }
            if let o = open {
                blocks.append(GuideBlock(kind: kind(o.info), body: body.joined(separator: "\n"), line: o.line))
                open = nil; body = []
            } else {
                open = (String(line.dropFirst(3)), i + 1)
            }
        }
        return blocks
    }

    static func kind(_ info: String) -> Kind {
        let words = info.split(separator: " ").map(String.init)
        var fields: [String: String] = [:]
        for w in words.dropFirst() { if let eq = w.firstIndex(of: "=") { fields[String(w[..<eq])] = String(w[w.index(after: eq)...]) } }
        switch (words.first, words.dropFirst().first) {
        case ("lua"?, "library"?): return .library
        case ("sh"?, "walkthrough"?): return .walkthrough
        case ("lua"?, _), ("jsonl"?, _), ("md"?, _):
            if let pack = fields["pack"], let file = fields["file"] { return .file(pack: pack, path: file) }
            return .unknown(info)
        default: return .unknown(info)
        }
    }

    /// `EXPR --> RESULT` lines of a library block.
    var examples: [(expression: String, expected: String)] {
        body.components(separatedBy: "\n").compactMap { line in
            guard let r = line.range(of: "-->") else { return nil }
            return (line[..<r.lowerBound].trimmingCharacters(in: .whitespaces), line[r.upperBound...].trimmingCharacters(in: .whitespaces))
        }
    }

    /// A command line split as a shell would (single quotes only, which is all the guide uses).
    static func words(_ line: String) -> [String] {
        var out: [String] = [], current = "", quoted = false, any = false
        for c in line {
            if c == "'" { quoted.toggle(); any = true }
            else if c == " " && !quoted { if any { out.append(current) }; current = ""; any = false }
            else { current.append(c); any = true }
        }
        if any { out.append(current) }
        return out
    }
}
