import Foundation

/// The results of one `make bench` run, written as BENCHMARKS.md with the machine they ran on.
struct BenchReport {
    struct Row {
        var name: String
        var result: String
        var goal: String
        var ratio: Double
        var verdict: String
        var ratioNote: String
    }

    let command: String
    var rows: [Row] = []
    /// Hand-recorded results (e.g. make demo's wall time) after `BenchReport.marker`, kept as they are.
    var kept = ""
    static let marker = "<!-- below this line: recorded by hand, kept by make bench -->"

    static func keptSection(_ text: String) -> String? {
        text.range(of: marker).map { String(text[$0.lowerBound...]) }
    }

    mutating func add(name: String, result: String, goal: String, ratio: Double, higherIsBetter: Bool,
                      ratioNote: String = "measured / goal (above 1 meets it)", limit: Double = 1.25) {
        let meets = ratio.isNaN ? false : higherIsBetter ? ratio >= 1 : ratio <= limit
        rows.append(Row(name: name, result: result, goal: goal, ratio: ratio,
                        verdict: ratio.isNaN ? "not measured" : meets ? "meets" : "MISSES", ratioNote: ratioNote))
    }

    func render() -> String {
        var out = "# Benchmarks\n\nWritten by `make bench`; numbers are from one run on the machine below. The machines are "
        out += "small and noisy, so read the ratios, which compare numbers taken in the same run.\n\n"
        out += "- command: `\(command)`\n- date: \(ISO8601DateFormatter().string(from: Date()))\n- machine: \(machine())\n\n"
        out += "| what | result | goal | ratio | |\n|---|---|---|---|---|\n"
        for r in rows {
            let ratio = r.ratio.isNaN ? "-" : "\(String(format: "%.2f", r.ratio)) (\(r.ratioNote))"
            out += "| \(r.name) | \(r.result) | \(r.goal) | \(ratio) | \(r.verdict) |\n"
        }
        return kept.isEmpty ? out : out + "\n" + kept
    }

    func machine() -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        let mem = ProcessInfo.processInfo.physicalMemory / 1_073_741_824
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(model), \(mem) GiB RAM, Swift release build"
    }
}
