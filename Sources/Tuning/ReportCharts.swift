import Foundation

/// Inline SVG charts for `report.html`: a plot area with numeric axes, and the marks drawn on it.
/// Every mark carries `class="mark"`, so a check can tell a chart with data from an empty frame.
struct SVGPlot {
    var width = 720.0, height = 300.0
    var left = 52.0, right = 150.0, top = 14.0, bottom = 40.0
    var xMin: Double, xMax: Double, yMin: Double, yMax: Double
    var body = ""

    static let palette = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#0a7f8f", "#d2691e", "#57606a", "#e85aad", "#6e7781"]

    init(x: ClosedRange<Double>, y: ClosedRange<Double>) {
        xMin = x.lowerBound; xMax = x.upperBound == x.lowerBound ? x.lowerBound + 1 : x.upperBound
        yMin = y.lowerBound; yMax = y.upperBound == y.lowerBound ? y.lowerBound + 1 : y.upperBound
    }

    /// A y range around the values with some air, inside [0, 1] for scores.
    static func scoreRange(_ values: [Double]) -> ClosedRange<Double> {
        let v = values.filter(\.isFinite)
        guard let lo = v.min(), let hi = v.max() else { return 0...1 }
        let pad = max(0.02, (hi - lo) * 0.15)
        let a = max(0, lo - pad), b = min(1, hi + pad)
        return a < b ? a...b : 0...1
    }

    func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * (width - left - right) }
    func py(_ y: Double) -> Double { height - bottom - (y - yMin) / (yMax - yMin) * (height - top - bottom) }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    /// Axes with ticks: numeric on y, labelled positions on x.
    /// A count axis: whole-number ticks (a step of 1, 2, 5, 10, ...) from 0 past the largest count.
    static func countAxis(_ maxCount: Int) -> (top: Double, ticks: Int) {
        var step = 1, k = 0
        while maxCount / step >= 6 {
            k += 1
            step = [1, 2, 5][k % 3] * Int(pow(10, Double(k / 3)))
        }
        let ticks = maxCount / step + 1
        return (Double(ticks * step), ticks)
    }

    mutating func axes(xTicks: [(Double, String)], xLabel: String, yLabel: String, yTicks: Int = 5, yFormat: String? = nil) {
        let x0 = px(xMin), x1 = px(xMax), y0 = py(yMin), y1 = py(yMax)
        var out = "<g class=\"axes\" stroke=\"#8c959f\" stroke-width=\"1\">"
        out += "<line x1=\"\(Self.f(x0))\" y1=\"\(Self.f(y0))\" x2=\"\(Self.f(x1))\" y2=\"\(Self.f(y0))\"/>"
        out += "<line x1=\"\(Self.f(x0))\" y1=\"\(Self.f(y0))\" x2=\"\(Self.f(x0))\" y2=\"\(Self.f(y1))\"/></g>\n"
        for i in 0...yTicks {
            let v = yMin + (yMax - yMin) * Double(i) / Double(yTicks), y = py(v)
            out += "<line x1=\"\(Self.f(x0))\" y1=\"\(Self.f(y))\" x2=\"\(Self.f(x1))\" y2=\"\(Self.f(y))\" stroke=\"#eaeef2\"/>"
            out += "<text x=\"\(Self.f(x0 - 6))\" y=\"\(Self.f(y + 4))\" text-anchor=\"end\">\(String(format: yFormat ?? (yMax - yMin < 0.1 ? "%.3f" : "%.2f"), v))</text>\n"
        }
        for (v, label) in xTicks {
            out += "<text x=\"\(Self.f(px(v)))\" y=\"\(Self.f(y0 + 16))\" text-anchor=\"middle\">\(ReportHTML.esc(label))</text>\n"
        }
        out += "<text x=\"\(Self.f((x0 + x1) / 2))\" y=\"\(Self.f(height - 6))\" text-anchor=\"middle\">\(ReportHTML.esc(xLabel))</text>\n"
        out += "<text transform=\"translate(12 \(Self.f((y0 + y1) / 2))) rotate(-90)\" text-anchor=\"middle\">\(ReportHTML.esc(yLabel))</text>\n"
        body = out + body
    }

    mutating func point(_ x: Double, _ y: Double, color: String, filled: Bool, title: String, r: Double = 4.5) {
        guard y.isFinite else { return }
        body += "<circle class=\"mark\" cx=\"\(Self.f(px(x)))\" cy=\"\(Self.f(py(y)))\" r=\"\(r)\" stroke=\"\(color)\" stroke-width=\"1.6\" "
            + "fill=\"\(filled ? color : "#fff")\"><title>\(ReportHTML.esc(title))</title></circle>\n"
    }

    mutating func polyline(_ pts: [(Double, Double)], color: String, dash: Bool = false, width: Double = 2, title: String) {
        let p = pts.filter { $0.1.isFinite }
        guard !p.isEmpty else { return }
        let coords = p.map { "\(Self.f(px($0.0))),\(Self.f(py($0.1)))" }.joined(separator: " ")
        body += "<polyline class=\"mark\" points=\"\(coords)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(width)\""
            + (dash ? " stroke-dasharray=\"5 4\"" : "") + "><title>\(ReportHTML.esc(title))</title></polyline>\n"
    }

    /// A vertical interval with caps (a 95% interval).
    mutating func interval(_ x: Double, _ lo: Double, _ hi: Double, color: String, title: String) {
        guard lo.isFinite, hi.isFinite else { return }
        let X = px(x), a = py(max(yMin, lo)), b = py(min(yMax, hi))
        body += "<path class=\"mark\" d=\"M\(Self.f(X)) \(Self.f(a))V\(Self.f(b))M\(Self.f(X - 5)) \(Self.f(a))h10M\(Self.f(X - 5)) \(Self.f(b))h10\" "
            + "stroke=\"\(color)\" stroke-width=\"1.6\" fill=\"none\"><title>\(ReportHTML.esc(title))</title></path>\n"
    }

    mutating func bar(_ x: Double, width w: Double, _ y: Double, color: String, title: String) {
        guard y > 0 else { return }
        let x0 = px(x - w / 2), x1 = px(x + w / 2), y0 = py(0), y1 = py(y)
        body += "<rect class=\"mark\" x=\"\(Self.f(x0))\" y=\"\(Self.f(y1))\" width=\"\(Self.f(x1 - x0))\" height=\"\(Self.f(y0 - y1))\" "
            + "fill=\"\(color)\" fill-opacity=\"0.75\"><title>\(ReportHTML.esc(title))</title></rect>\n"
    }

    /// The legend in the right margin: one row per series.
    mutating func legend(_ items: [(label: String, color: String, filled: Bool)]) {
        for (i, it) in items.enumerated() {
            let y = top + 8 + Double(i) * 17, x = width - right + 12
            body += "<circle cx=\"\(Self.f(x))\" cy=\"\(Self.f(y))\" r=\"4.5\" stroke=\"\(it.color)\" stroke-width=\"1.6\" fill=\"\(it.filled ? it.color : "#fff")\"/>"
            body += "<text x=\"\(Self.f(x + 10))\" y=\"\(Self.f(y + 4))\">\(ReportHTML.esc(String(it.label.prefix(22))))</text>\n"
        }
    }

    func svg(label: String) -> String {
        "<svg class=\"chart\" role=\"img\" aria-label=\"\(ReportHTML.esc(label))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "width=\"\(Int(width))\" height=\"\(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">\n\(body)</svg>\n"
    }
}

/// The reliability diagram: accuracy against stated confidence per bin, before and after.
enum ReliabilityChart {
    static func svg(_ series: [(label: String, calibration: Calibration)]) -> String {
        var p = SVGPlot(x: 0...1, y: 0...1)
        p.width = 420; p.height = 360; p.right = 130
        p.axes(xTicks: stride(from: 0.0, through: 1.0, by: 0.2).map { ($0, String(format: "%.1f", $0)) },
               xLabel: "stated confidence", yLabel: "accuracy (mean score)")
        p.polyline([(0, 0), (1, 1)], color: "#8c959f", dash: true, width: 1, title: "perfect calibration")
        var legend: [(String, String, Bool)] = []
        for (i, s) in series.enumerated() {
            let color = SVGPlot.palette[i % SVGPlot.palette.count]
            let bins = s.calibration.bins.filter { $0.count > 0 }
            p.polyline(bins.map { ($0.confidence, $0.accuracy) }, color: color, width: 1.5, title: s.label)
            for b in bins {
                // Area grows with the bin's count, so a bin of one answer does not look like a bin of fifty.
                let r = 2.5 + 6 * (Double(b.count) / Double(max(1, s.calibration.count))).squareRoot()
                p.point(b.confidence, b.accuracy, color: color, filled: true,
                        title: "\(s.label): \(b.count) answers, confidence \(ReportHTML.num(b.confidence)), accuracy \(ReportHTML.num(b.accuracy))", r: r)
            }
            legend.append((s.label, color, true))
        }
        p.legend(legend)
        return p.svg(label: "reliability diagram")
    }
}
