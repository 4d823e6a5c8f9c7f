import Foundation
import JSONText
import StableHash
import TestSupport

/// banking77 with safeguards, for the tests of issue 17: a copy in a scratch folder whose
/// task.lua adds `regression = "data/regression.jsonl"` (dev messages the scripted target gets
/// right with the pack's prompt and wrong under `ScriptedWorld.risky`) and `protect`.
public enum GuardedPack {
    /// Makes the copy; returns its folder and the regression case ids.
    public static func make(protect: [String] = ["format"], cases: Int = 3) throws -> (pack: URL, cases: [String]) {
        let pack = Scratch.url("guarded").appendingPathComponent("banking77")
        try FileManager.default.createDirectory(at: pack.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repoRoot.appendingPathComponent("tasks/banking77"), to: pack)
        let task = pack.appendingPathComponent("task.lua")
        let lua = try String(contentsOf: task, encoding: .utf8)
        let keys = "regression = \"data/regression.jsonl\",\n  protect = { " + protect.map { "\"\($0)\"" }.joined(separator: ", ") + " },\n  label = \"label\","
        try lua.replacingOccurrences(of: "label = \"label\",", with: keys).write(to: task, atomically: true, encoding: .utf8)
        var rows: [String] = [], ids: [String] = []
        let dev = try String(contentsOf: pack.appendingPathComponent("data/dev.jsonl"), encoding: .utf8)
        for line in dev.split(separator: "\n") where ids.count < cases {
            let v = try JSON.decode(String(line))
            guard let text = v["text"]?.string, let label = v["label"]?.string, FNV1a.hash(text) % 10 == 0 else { continue }
            ids.append("must-\(ids.count + 1)")
            rows.append(JSON.encode(["id": .string(ids.last!), "text": .string(text), "label": .string(label)]))
        }
        try (rows.joined(separator: "\n") + "\n").write(to: pack.appendingPathComponent("data/regression.jsonl"), atomically: true, encoding: .utf8)
        return (pack, ids)
    }
}
