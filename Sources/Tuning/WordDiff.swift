import Foundation

/// A word-level diff of two texts, for showing how the best prompt differs from the initial one.
public enum WordDiff {
    public enum Piece: Equatable, Sendable { case same(String), removed(String), added(String) }

    /// Words and the whitespace after them stay together, so the diff reads back as the texts.
    static func tokens(_ s: String) -> [String] {
        var out: [String] = [], cur = ""
        var inSpace = false
        for ch in s {
            let space = ch.isWhitespace
            if inSpace && !space { out.append(cur); cur = "" }
            cur.append(ch)
            inSpace = space
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    /// Longest common subsequence over words. Prompts are short (a few thousand words), but the
    /// table is capped: past it, the texts are shown as removed then added, which is still true.
    public static func diff(_ a: String, _ b: String, maxCells: Int = 16_000_000) -> [Piece] {
        let x = tokens(a), y = tokens(b)
        // Common head and tail need no table.
        var head = 0
        while head < x.count, head < y.count, x[head] == y[head] { head += 1 }
        var tail = 0
        while tail < x.count - head, tail < y.count - head, x[x.count - 1 - tail] == y[y.count - 1 - tail] { tail += 1 }
        let xs = Array(x[head..<(x.count - tail)]), ys = Array(y[head..<(y.count - tail)])
        var middle: [Piece] = []
        if (xs.count + 1) * (ys.count + 1) > maxCells {
            middle = [.removed(xs.joined()), .added(ys.joined())]
        } else {
            let n = xs.count, m = ys.count
            var lcs = [Int](repeating: 0, count: (n + 1) * (m + 1))
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    lcs[i * (m + 1) + j] = xs[i] == ys[j] ? lcs[(i + 1) * (m + 1) + j + 1] + 1
                        : max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1])
                }
            }
            var i = 0, j = 0
            while i < n || j < m {
                if i < n, j < m, xs[i] == ys[j] { middle.append(.same(xs[i])); i += 1; j += 1 }
                else if j < m, i == n || lcs[i * (m + 1) + j + 1] >= lcs[(i + 1) * (m + 1) + j] { middle.append(.added(ys[j])); j += 1 }
                else { middle.append(.removed(xs[i])); i += 1 }
            }
        }
        return merge([.same(x[0..<head].joined())] + middle + [.same(x[(x.count - tail)...].joined())])
    }

    /// Runs of the same kind become one piece; empty pieces go.
    static func merge(_ pieces: [Piece]) -> [Piece] {
        var out: [Piece] = []
        for p in pieces {
            switch (out.last, p) {
            case (.same(let a)?, .same(let b)): out[out.count - 1] = .same(a + b)
            case (.removed(let a)?, .removed(let b)): out[out.count - 1] = .removed(a + b)
            case (.added(let a)?, .added(let b)): out[out.count - 1] = .added(a + b)
            default:
                switch p { case .same(let s), .removed(let s), .added(let s): if !s.isEmpty { out.append(p) } }
            }
        }
        return out
    }

    /// The diff as escaped HTML inside a `pre`: removed words struck through, added ones marked.
    public static func html(_ a: String, _ b: String) -> String {
        "<pre class=\"diff\">" + diff(a, b).map { p -> String in
            switch p {
            case .same(let s): return ReportHTML.esc(s)
            case .removed(let s): return "<del>\(ReportHTML.esc(s))</del>"
            case .added(let s): return "<ins>\(ReportHTML.esc(s))</ins>"
            }
        }.joined() + "</pre>\n"
    }
}
