import Foundation
import LuaHost

/// `compare.html`: the comparison's table, its scores with intervals and its failure modes as
/// charts, built with the run report's page and charts (everything from the run escaped).
extension Comparison {
    public static let fileName = "compare.html"

    public var html: String {
        let h = ReportHTML.self
        let n = contenders.first?.results.count ?? 0
        var rows: [[String]] = []
        for (i, c) in contenders.enumerated() {
            let ci = interval(i), m = c.metrics
            let diff = difference(i).map { "\(h.signed($0.mean)) [\(h.signed($0.lower)), \(h.signed($0.upper))] over \($0.n)" } ?? "–"
            rows.append(["#\(i + 1)", h.esc(c.prompt), h.esc(c.model), h.num(m.score), "[\(h.num(ci.lower)), \(h.num(ci.upper))]", diff,
                         String(m.apiErrors), String(c.tokens), c.cost.map { String(format: "$%.4f", $0) } ?? "unknown"])
        }
        var body = "<section id=\"overview\">" + h.table(["", "prompt", "model", "score", "95% CI", "vs #1 (paired 95% CI, examples)",
                                                          "API errors", "tokens", "cost"], rows, numericFrom: 3)
            + "<p>\(n) \(h.esc(split)) examples, the same for each. A score's interval is a bootstrap over its examples; a difference's "
            + "is a paired bootstrap over the examples both scored. Tokens count live calls and cached replies; cost counts live calls.</p></section>\n"
        body += h.section("scores", "Scores", scoreChart())
        body += h.section("modes", "Failures by mode", modesHTML())
        return h.page(title: "rpt compare \(pack)", subtitle: "split \(split) · \(contenders.count) contenders", body: body)
    }

    /// Each contender's score as a point with its interval.
    func scoreChart() -> String {
        let intervals = contenders.indices.map(interval)
        var p = SVGPlot(x: -0.6...(Double(contenders.count) - 0.4),
                        y: SVGPlot.scoreRange(intervals.flatMap { [$0.lower, $0.upper, $0.mean] }))
        p.axes(xTicks: contenders.indices.map { (Double($0), "#\($0 + 1)") }, xLabel: "contender", yLabel: "score")
        for (i, c) in contenders.enumerated() {
            let color = SVGPlot.palette[i % SVGPlot.palette.count], ci = intervals[i]
            p.interval(Double(i), ci.lower, ci.upper, color: color, title: "\(c.label): 95% CI [\(ReportHTML.num(ci.lower)), \(ReportHTML.num(ci.upper))]")
            p.point(Double(i), c.metrics.score, color: color, filled: true, title: "\(c.label): \(ReportHTML.num(c.metrics.score))")
        }
        p.legend(contenders.enumerated().map { ("#\($0.offset + 1) " + $0.element.prompt, SVGPlot.palette[$0.offset % SVGPlot.palette.count], true) })
        return p.svg(label: "scores")
    }

    /// Failure counts by mode: a group of bars per mode, one bar per contender, and the table.
    func modesHTML() -> String {
        let h = ReportHTML.self
        let modes = self.modes
        guard !modes.isEmpty else { return "<p>No failures.</p>\n" }
        let counts = contenders.map(\.metrics.failures)
        let (top, ticks) = SVGPlot.countAxis(counts.flatMap(\.values).max() ?? 1)
        var p = SVGPlot(x: -0.6...(Double(modes.count) - 0.4), y: 0...top)
        p.height = 260
        p.axes(xTicks: modes.enumerated().map { (Double($0.offset), String($0.element.prefix(18))) }, xLabel: "failure mode", yLabel: "examples",
               yTicks: ticks, yFormat: "%.0f")
        let w = 0.8 / Double(contenders.count)
        for (j, m) in modes.enumerated() {
            for (i, c) in counts.enumerated() {
                p.bar(Double(j) - 0.4 + w * (Double(i) + 0.5), width: w * 0.9, Double(c[m] ?? 0), color: SVGPlot.palette[i % SVGPlot.palette.count],
                      title: "#\(i + 1) \(contenders[i].prompt): \(m) \(c[m] ?? 0)")
            }
        }
        p.legend(contenders.indices.map { ("#\($0 + 1)", SVGPlot.palette[$0 % SVGPlot.palette.count], true) })
        return p.svg(label: "failures by mode") + h.table(["mode"] + contenders.indices.map { "#\($0 + 1)" },
                                                          modes.map { m in [h.esc(m)] + counts.map { String($0[m] ?? 0) } })
    }
}
