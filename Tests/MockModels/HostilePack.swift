import Foundation
import TestSupport

/// A task pack that breaks on purpose (Tests/Fixtures/hostile-pack), written to a temporary
/// folder with the rows a test needs. Rows are `text = label`; a row without text fails render.
/// `echo` is its model: it replies with the text, so a text of HOG or SPIN makes extract hit its
/// memory or instruction limit.
public enum HostilePack {
    static let fixture = repoRoot.appendingPathComponent("Tests/Fixtures/hostile-pack/task.lua")

    /// One JSONL row; nil text leaves the field out.
    public static func row(_ id: String, _ text: String?, label: String? = nil) -> String {
        let label = label ?? text ?? "none"
        return text.map { #"{"id": "\#(id)", "text": "\#($0)", "label": "\#(label)"}"# } ?? #"{"id": "\#(id)", "label": "\#(label)"}"#
    }

    /// A fresh pack folder. `files` adds or replaces files (e.g. an `rpt.toml`).
    public static func make(train: [String] = [row("t1", "a")], dev: [String], test: [String] = [row("x1", "a")],
                            files: [String: String] = [:]) throws -> URL {
        let dir = Scratch.url("hostile")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture, to: dir.appendingPathComponent("task.lua"))
        let data = ["data/train.jsonl": train, "data/dev.jsonl": dev, "data/test.jsonl": test].mapValues { $0.joined(separator: "\n") + "\n" }
        for (name, text) in data.merging(files, uniquingKeysWith: { $1 }) {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return dir
    }

    /// The pack's model: the text after "Text: " in the last message, as the reply.
    public static func echo(_ req: MockRequest) -> MockReply {
        let user = req.json?["messages"]?.array?.last?["content"]?.string ?? ""
        return .chat(user.components(separatedBy: "Text: ").last ?? "", promptTokens: 30, completionTokens: 2)
    }
}
