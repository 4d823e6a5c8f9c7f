import Foundation

/// The pieces of `report.html`: escaping, the page with its inline style, tables and numbers.
/// Everything a run recorded (prompts, replies, pack strings, mode names) is untrusted text and
/// goes through `esc` before it reaches the page; the page loads nothing from anywhere.
public enum ReportHTML {
    /// HTML-escapes text for element content and quoted attribute values alike.
    public static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // Control characters other than tab and newline have no business in a page.
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    public static func num(_ x: Double?, _ digits: Int = 3) -> String {
        guard let x, x.isFinite else { return "–" }
        return String(format: "%.\(digits)f", x)
    }

    public static func signed(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "–" }
        return String(format: "%+.3f", x)
    }

    /// A table whose cells are already HTML (callers escape what came from the run).
    public static func table(_ head: [String], _ rows: [[String]], numericFrom: Int = 1, numericTo: Int = .max) -> String {
        var out = "<table><thead><tr>" + head.map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for r in rows {
            out += "<tr>" + r.enumerated().map { i, c in (numericFrom...numericTo).contains(i) ? "<td class=\"n\">\(c)</td>" : "<td>\(c)</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    /// A section that has no data says what is missing instead of drawing something made up.
    public static func missing(_ why: String) -> String { "<p class=\"missing\">\(esc(why))</p>\n" }

    public static func section(_ id: String, _ title: String, _ body: String) -> String {
        "<section id=\"\(esc(id))\"><h2>\(esc(title))</h2>\n\(body)</section>\n"
    }

    public static func page(title: String, subtitle: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
        <title>\(esc(title))</title>
        <style>\(css)</style></head>
        <body><header><h1>\(esc(title))</h1><p class="sub">\(esc(subtitle))</p></header>
        \(body)<footer>Written by rpt report from the files of this folder.</footer>
        </body></html>

        """
    }

    /// One style for screen and print: system fonts, charts that scale, no page break inside a chart.
    static let css = """
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;max-width:1100px;margin:0 auto;padding:1.5em}
        h1{font-size:1.5em;margin:0}h2{font-size:1.2em;border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:2em}
        h3{font-size:1em;margin:1.2em 0 .4em}.sub{color:#57606a;margin:.2em 0 0}
        table{border-collapse:collapse;margin:.5em 0;font-size:.92em}th,td{border:1px solid #d0d7de;padding:.25em .55em;vertical-align:top;text-align:left}
        th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;border:1px solid #d0d7de;padding:.6em;font-size:.88em;margin:.3em 0}
        del{background:#ffd7d5;text-decoration:line-through}ins{background:#ccffd8;text-decoration:none}
        .missing{color:#7d4e00;background:#fff8c5;border:1px solid #d4a72c;padding:.4em .7em}
        .kept{color:#1a7f37;font-weight:600}.rejected{color:#cf222e}.muted{color:#57606a}
        svg{max-width:100%;height:auto;display:block;margin:.5em 0}svg text{font:11px system-ui,sans-serif;fill:#1b1f24}
        .legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:.8em;height:.8em;margin-right:.3em;vertical-align:-.05em}
        h4{font-size:.95em;margin:1em 0 .3em}.cand{border-left:3px solid #d0d7de;padding-left:.8em;margin:.8em 0}details{margin:.3em 0}summary{cursor:pointer}
        footer{margin-top:3em;color:#57606a;font-size:.85em}
        @media print{body{max-width:none;padding:0;font-size:11pt}section,svg,table,details{break-inside:avoid}
        details>*{display:block}a{color:inherit}}
        """
}
