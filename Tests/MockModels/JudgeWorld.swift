import Foundation
import JSONText

/// A scripted target, judge and optimizer behind one mock server, for packs with a judge.
///
/// The target writes "A good reply." to messages about a card (and to every message once the
/// prompt holds `ScriptedWorld.magic`), "A weak reply, sorry." to the others. The judge grades a
/// reply as good when it says "good" or mentions the app: 5 on a scale (all criteria met), else
/// 2 (only the first criterion met), each with a reason. The optimizer follows `script`.
public final class JudgeWorld: Sendable {
    /// How the judge answers: a `verdict` tool call, the verdict as a JSON object in its text (what
    /// a server without tools gets), or a tool call with these arguments, whatever the reply.
    public enum Style: Sendable { case tool, json, garbage(JSONValue) }

    public static let goodReason = "It answers the question and gives the right next step."
    public static let weakReason = "It gives the customer no next step."
    let style: Style
    let optimizer: ScriptedWorld

    public init(style: Style = .tool, script: @escaping @Sendable (Int, Int) -> [ScriptedWorld.Step] = { _, _ in [("stop", ["reason": "done"])] }) {
        self.style = style
        optimizer = ScriptedWorld(labels: [:], script: script)
    }

    /// A judge's request, as rpt sends it with tools or with the JSON tool protocol.
    public static func isJudge(_ req: MockRequest) -> Bool {
        let system = req.json?["messages"]?.array?.first?["content"]?.string ?? ""
        return system.hasPrefix("You grade replies")
    }

    /// The reply a judge's request asks it to grade.
    public static func graded(_ req: MockRequest) -> String {
        let user = req.json?["messages"]?.array?.last?["content"]?.string ?? ""
        let block = user.components(separatedBy: "## The reply to grade (between the lines of ===)\n===\n").last ?? ""
        return block.components(separatedBy: "\n===").first ?? ""
    }

    public func reply(_ req: MockRequest) -> MockReply {
        guard let body = req.json else { return .error(400, "no JSON") }
        if JudgeWorld.isJudge(req) { return judge(req) }
        if body["tools"] != nil { return optimizer.reply(req) }
        let messages = body["messages"]?.array ?? []
        let user = messages.last?["content"]?.string ?? ""
        let magic = messages.contains { ($0["content"]?.string ?? "").contains(ScriptedWorld.magic) }
        let good = magic || (user.components(separatedBy: "Customer message: ").last ?? "").lowercased().contains("card")
        return .chat(good ? "A good reply." : "A weak reply, sorry.", promptTokens: 100, completionTokens: 10)
    }

    func judge(_ req: MockRequest) -> MockReply {
        let text = JudgeWorld.graded(req)
        let good = text.contains("good") || text.contains(" app")
        let user = req.json?["messages"]?.array?.last?["content"]?.string ?? ""
        let verdict: JSONValue
        if user.contains("## Criteria") {
            let count = user.components(separatedBy: "\n").filter { $0.first?.isNumber == true && $0.contains(". ") }.count
            verdict = ["criteria": .array((0..<count).map { i in
                good || i == 0 ? ["met": true, "reason": "yes"] : ["met": false, "reason": .string(JudgeWorld.weakReason)]
            })]
        } else {
            verdict = ["score": good ? 5 : 2, "reason": .string(good ? JudgeWorld.goodReason : JudgeWorld.weakReason)]
        }
        switch style {
        case .tool: return .chat(nil, toolCalls: [("verdict", .string(JSON.encode(verdict)))], promptTokens: 500, completionTokens: 40)
        case .json: return .chat("Verdict: " + JSON.encode(verdict), promptTokens: 500, completionTokens: 40)
        case .garbage(let args): return .chat(nil, toolCalls: [("verdict", .string(JSON.encode(args)))], promptTokens: 500, completionTokens: 40)
        }
    }
}
