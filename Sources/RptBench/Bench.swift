import Foundation
import LuaHost
import TaskPack
import TestSupport

/// `make bench`: measures what the issues set goals for, and writes BENCHMARKS.md.
/// Memory is measured in child processes (peak RSS is per process), so each case starts clean.
@main
struct Bench {
    static func main() async throws {
        let args = Array(CommandLine.arguments.dropFirst())
        if args.first == "child" { try child(Array(args.dropFirst())); return }
        if args.first == "mock" { try TransportBench.serveMock(latency: Double(args[1]) ?? 0.2); return }
        if args.first == "loopmock" {
            try LoopBench.serve(root: URL(fileURLWithPath: FileManager.default.currentDirectoryPath), latency: Double(args[1]) ?? 0)
            return
        }
        if args.first == "client" { try await TransportBench.client(base: args[1]); return }
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let out = args.firstIndex(of: "--out").map { args[$0 + 1] } ?? "BENCHMARKS.md"

        var report = BenchReport(command: "make bench  (swift build -c release; .build/release/RptBench --out \(out))")
        try hookThroughput(root: root, into: &report)
        try datasetLoading(root: root, into: &report)
        try TransportBench.run(into: &report)
        try await LoopBench.run(root: root, into: &report)
        try await LocalModelBench.run(root: root, into: &report)
        report.kept = (try? String(contentsOfFile: out, encoding: .utf8)).flatMap(BenchReport.keptSection) ?? ""
        try report.render().write(toFile: out, atomically: true, encoding: .utf8)
        print(report.render())
    }

    // MARK: extract + score

    static func hookThroughput(root: URL, into report: inout BenchReport) throws {
        let pack = root.appendingPathComponent("tasks/banking77")
        let runtime = try PackRuntime(directory: pack)
        let data = try PackData.load(spec: runtime.spec, directory: pack)
        let examples = data[.dev] + data[.test]
        // Replies as models write them: clean JSON, chatty with a fence, a wrong intent, garbage.
        let replies: [(String, Example)] = examples.enumerated().map { i, ex in
            let label = ex.fields["label"]!.string!.lowercased()
            switch i % 4 {
            case 0: return (#"{"intent": "\#(label)", "confidence": 0.9}"#, ex)
            case 1: return ("Sure! Here is the routing:\n```json\n{\"intent\": \"\(label)\", \"confidence\": 0.75}\n```", ex)
            case 2: return (#"{"intent": "card_arrival", "confidence": 0.4}"#, ex)
            default: return ("I am not sure what the customer wants.", ex)
            }
        }
        var sink = 0.0
        for (r, ex) in replies.prefix(2000) { sink += try runtime.evaluate(reply: r, example: ex).score }  // warm up
        let n = 200_000
        let start = DispatchTime.now()
        for i in 0..<n {
            let (r, ex) = replies[i % replies.count]
            sink += try runtime.evaluate(reply: r, example: ex).score
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let rate = Double(n) / seconds
        precondition(sink > 0)
        report.add(name: "extract + score + classify, banking77 replies, one core",
                   result: String(format: "%.0f examples/s (%.2f µs each; %d calls in %.2f s)", rate, 1e6 / rate, n, seconds),
                   goal: "≥ 100,000 examples/s", ratio: rate / 100_000, higherIsBetter: true)
    }

    // MARK: dataset loading

    static func datasetLoading(root: URL, into report: inout BenchReport) throws {
        let source = try String(contentsOf: root.appendingPathComponent("tasks/banking77/data/train.jsonl"), encoding: .utf8)
        let lines = source.split(separator: "\n")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func make(_ rows: Int) throws -> String {
            let path = dir.appendingPathComponent("rows-\(rows).jsonl").path
            var text = ""
            text.reserveCapacity(rows * 140)
            for i in 0..<rows {
                let line = lines[i % lines.count]
                text += line.replacingOccurrences(of: #""id": "banking77-train-"#, with: #""id": "r\#(i)-"#) + "\n"
            }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let small = try make(100_000), big = try make(400_000)
        let mbSmall = Double(try FileManager.default.attributesOfItem(atPath: small)[.size] as! Int) / 1_048_576
        let mbBig = Double(try FileManager.default.attributesOfItem(atPath: big)[.size] as! Int) / 1_048_576

        let baseline = try spawn(["baseline"])
        let keep = try spawn(["keep", small])
        let stream100 = try spawn(["stream", small])
        let stream400 = try spawn(["stream", big])
        report.add(name: "load a 100,000-row JSONL file (\(String(format: "%.1f", mbSmall)) MiB), keeping every row",
                   result: String(format: "%.3f s; peak RSS +%.1f MiB over an idle process (%.0f bytes per row kept)",
                                  keep.seconds, keep.mib - baseline.mib, (keep.mib - baseline.mib) * 1_048_576 / 100_000),
                   goal: "< 1 s", ratio: 1 / keep.seconds, higherIsBetter: true)
        report.add(name: "stream the same file keeping no rows, then a 4x larger one (\(String(format: "%.1f", mbBig)) MiB)",
                   result: String(format: "100k rows: %.3f s, peak RSS +%.1f MiB; 400k rows: %.3f s, peak RSS +%.1f MiB",
                                  stream100.seconds, stream100.mib - baseline.mib, stream400.seconds, stream400.mib - baseline.mib),
                   goal: "memory does not grow with the file",
                   ratio: (stream400.mib - baseline.mib + 0.01) / (stream100.mib - baseline.mib + 0.01), higherIsBetter: false,
                   ratioNote: "peak RSS growth, 400k rows / 100k rows (1.0 = flat; the file is 4x larger)")
    }

    struct ChildResult { var seconds: Double; var mib: Double }

    /// A dataset-loading child: its seconds and peak RSS.
    static func spawn(_ args: [String]) throws -> ChildResult {
        let v = try spawnJSON(["child"] + args)
        return ChildResult(seconds: v["seconds"]?.number ?? 0, mib: (v["peak_rss_kb"]?.number ?? 0) / 1024)
    }

    /// Runs a child (this binary, or `executable`) and parses the JSON line it prints last.
    static func spawnJSON(_ args: [String], executable: String? = nil) throws -> [String: LuaValue] {
        let r = try Child(URL(fileURLWithPath: executable ?? CommandLine.arguments[0]), args).runBlocking()
        let last = r.out.split(separator: "\n").last.map(String.init) ?? ""
        guard r.status == 0, let v = try? JSON.decode(last), let o = v.object else {
            throw PackError("RptBench", "\(args) failed: \(last)\(r.err.isEmpty ? "" : "\n" + r.err)")
        }
        return o
    }

    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    static func peakRSSKiB() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?.split(separator: " ").compactMap { Double($0) }.first ?? 0
    }

    /// Prints {"seconds": ..., "peak_rss_kb": ...}.
    static func child(_ args: [String]) throws {
        let start = DispatchTime.now()
        var kept: [Example] = []
        switch args[0] {
        case "keep": kept = try DatasetReader.read(path: args[1], display: "bench.jsonl")
        case "stream":
            var n = 0
            try DatasetReader.forEach(path: args[1], display: "bench.jsonl") { _ in n += 1; return true }
            precondition(n > 0)
        default: break
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        print(JSON.encode(["seconds": .double(seconds), "peak_rss_kb": .double(peakRSSKiB())]))
        withExtendedLifetime(kept) {}
    }
}
