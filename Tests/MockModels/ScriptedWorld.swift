import Foundation
import TestSupport
import JSONText
import StableHash
import Synchronization

/// A scripted target and optimizer behind one mock server, for tuning tests.
///
/// The target answers banking77 messages: right for a share of messages (by a hash of the text)
/// that depends on the prompt: 60%, 70% with `ScriptedWorld.partial`, 90% when the prompt contains
/// `ScriptedWorld.magic` (with or without `partial`).
/// The optimizer (any request that offers tools) follows `script(round, step)`, where `step`
/// counts the tool results already in its conversation.
public final class ScriptedWorld: Sendable {
    public static let magic = "Think about what the customer wants to get done."
    public typealias Step = (name: String, arguments: JSONValue)
    let labels: [String: String]
    let script: @Sendable (_ round: Int, _ step: Int) -> [Step]
    /// Requests that get no answer (held until the server stops) once this many were answered.
    let answerLimit: Int?
    private let answered = Mutex(0)

    public init(labels: [String: String], answerLimit: Int? = nil, script: @escaping @Sendable (Int, Int) -> [Step]) {
        self.labels = labels
        self.answerLimit = answerLimit
        self.script = script
    }

    public var answeredCount: Int { answered.withLock { $0 } }

    /// banking77's answer key over all its splits: message text -> intent in lower case, as
    /// the pack's extract reads it.
    public static func banking77Labels(root: URL = repoRoot) throws -> [String: String] {
        var out: [String: String] = [:]
        for split in ["train", "dev", "test"] {
            let text = try String(contentsOf: root.appendingPathComponent("tasks/banking77/data/\(split).jsonl"), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let v = try JSON.decode(String(line))
                if let message = v["text"]?.string, let label = v["label"]?.string { out[message] = label.lowercased() }
            }
        }
        return out
    }

    public func reply(_ req: MockRequest) -> MockReply {
        if let limit = answerLimit {
            let go = answered.withLock { n -> Bool in
                if n >= limit { return false }
                n += 1
                return true
            }
            if !go { return .delayed(60, .drop) }
        } else {
            answered.withLock { $0 += 1 }
        }
        guard let body = req.json else { return .error(400, "no JSON") }
        let messages = body["messages"]?.array ?? []
        if body["tools"] != nil {
            let context = messages.first { $0["role"] == "user" }?["content"]?.string ?? ""
            let round = Int(context.components(separatedBy: "# Round ").dropFirst().first?.prefix { $0.isNumber } ?? "0") ?? 0
            let step = messages.filter { $0["role"] == "tool" }.count
            let calls = script(round, step)
            if calls.isEmpty { return .chat("I have nothing more to try.", promptTokens: 3000, completionTokens: 20) }
            return .chat(nil, toolCalls: calls.map { ($0.name, .string(JSON.encode($0.arguments))) }, promptTokens: 3000, completionTokens: 200)
        }
        let prompt = messages.compactMap { $0["content"]?.string }.joined(separator: "\n")
        let user = messages.last?["content"]?.string ?? ""
        return .chat(ScriptedWorld.answer(prompt: prompt, user: user, model: body["model"]?.string ?? "", labels: labels),
                     promptTokens: 900, completionTokens: 12)
    }

    /// A guidance text that lifts the target to 80% but turns wrong the messages whose hash is 0,
    /// which it got right before: a gain on dev that breaks some regression cases.
    public static let risky = "Commit to the first intent that comes to mind."
    /// A guidance text that lifts the target to 80% but answers the rest in prose (a format
    /// failure) instead of a wrong intent: a gain that raises the format mode.
    public static let prose = "When unsure, explain your doubt in words instead."
    /// A guidance text that lifts the target to 70%, and adds nothing to a prompt that also holds
    /// `magic` (which decides alone): the edit a patch ablation should remove.
    public static let partial = "Look for the product or service the customer names."

    /// The scripted target's reply to a banking77 request: right on a share of messages (by a
    /// hash of the text) that the prompt decides; a model whose name ends in "-weak" is right
    /// on 2 in 10 fewer. The in-memory ScriptedModels answer with the same function.
    public static func answer(prompt: String, user: String, model: String, labels: [String: String]) -> String {
        let text = user.components(separatedBy: "Customer message: ").last ?? ""
        let h = Int(FNV1a.hash(text) % 10) + (model.hasSuffix("-weak") ? 2 : 0)
        let right: Bool
        if prompt.contains(risky) { right = h >= 1 && h < 9 }
        else if prompt.contains(prose) {
            if h >= 8 { return "I am not sure which intent this is." }
            right = true
        } else { right = h < (prompt.contains(magic) ? 9 : prompt.contains(partial) ? 7 : 6) }
        let intent = right ? (labels[text] ?? "card_arrival") : "exchange_rate"
        return #"{"intent": "\#(intent)", "confidence": \#(right ? 0.9 : 0.4)}"#
    }
}
