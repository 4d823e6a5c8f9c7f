import Foundation
import TestSupport
import LuaHost
import StableHash
import Synchronization

/// A scripted target and optimizer behind one mock server, for tuning tests.
///
/// The target answers banking77 messages: right for a share of messages (by a hash of the text)
/// that depends on the prompt: 60%, or 90% when the prompt contains `ScriptedWorld.magic`.
/// The optimizer (any request that offers tools) follows `script(round, step)`, where `step`
/// counts the tool results already in its conversation.
public final class ScriptedWorld: Sendable {
    public static let magic = "Think about what the customer wants to get done."
    public typealias Step = (name: String, arguments: LuaValue)
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
        let user = messages.last?["content"]?.string ?? ""
        let text = user.components(separatedBy: "Customer message: ").last ?? ""
        let good = user.contains(ScriptedWorld.magic) || (messages.first?["content"]?.string ?? "").contains(ScriptedWorld.magic)
        let h = FNV1a.hash(text) % 10
        let right = h < (good ? 9 : 6)
        let intent = right ? (labels[text] ?? "card_arrival") : "exchange_rate"
        return .chat(#"{"intent": "\#(intent)", "confidence": \#(right ? 0.9 : 0.4)}"#, promptTokens: 900, completionTokens: 12)
    }
}
