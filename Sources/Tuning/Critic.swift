import DidYouMean
import Foundation
import LuaHost
import ModelClient
import Synchronization
import TaskPack

/// The optional critic: a model that explains and labels the failures the pack's taxonomy
/// leaves generic (`other`, or `wrong` in packs without `classify`). Labels become a few named
/// modes `critic:<label>`; a label close to one seen in an earlier round takes that one's id.
final class Critic: Sendable {
    let client: any ChatModel
    let maxLabels: Int
    let modesKept: Int
    private let known = Mutex<[String: String]>([:])      // label -> definition, over the run

    static let generic: Set<String> = ["other", TaskSpec.wrongMode]

    /// Failures labelled per report, and the longest label reply: the dry run's bounds.
    static let defaultLabels = 24
    static let maxTokens = 200

    init(client: any ChatModel, maxLabels: Int = Critic.defaultLabels, modesKept: Int = 4) {
        self.client = client
        self.maxLabels = maxLabels
        self.modesKept = modesKept
    }

    /// Relabels generic failures in `results`; returns them and the definitions of the new modes.
    func relabel(_ results: [ExampleResult], examples: [Example], runtime: PackRuntime) async throws -> ([ExampleResult], [String: String]) {
        let byID = Dictionary(examples.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // Any generic mode, first or not: a pack's classify may give several modes, one of them "other".
        let targets = results.indices.filter { results[$0].outcome?.modes.contains(where: Critic.generic.contains) ?? false }.prefix(maxLabels)
        var labels: [Int: (String, String)] = [:]
        for i in targets {
            guard let ex = byID[results[i].id], let o = results[i].outcome else { continue }
            let expected = (try? runtime.gold(ex)).flatMap { $0 } ?? JSON.encode(.object(ex.fields))
            let ask = """
                Task: \(runtime.spec.description)
                Input: \(clip((try? runtime.render(ex)) ?? "", 1500))
                Model reply: \(clip(results[i].reply ?? "", 1500))
                Answer read from the reply: \(o.answer.map { JSON.encode($0) } ?? "none")
                Expected: \(clip(expected, 600))
                Why is the answer wrong? Reply with JSON only: {"label": "<a 2 to 4 word snake_case name for this kind of mistake>", "explanation": "<one sentence>"}
                """
            let r = try await client.complete(ChatRequest(model: "", messages: [.system("You label the mistakes of a language model, briefly and generally."), .user(ask)],
                                                          temperature: 0, maxTokens: Critic.maxTokens))
            guard let v = r.content.flatMap(JSON.extract), let raw = v["label"]?.string else { continue }
            labels[i] = (canonical(raw, seen: Set(labels.values.map(\.0))), v["explanation"]?.string ?? raw)
        }
        let counts = Dictionary(grouping: labels.values, by: \.0).mapValues(\.count)
        let kept = Set(counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(modesKept).map(\.key))
        var out = results
        var definitions: [String: String] = [:]
        // In example order, never Dictionary order (which differs per process): the first
        // explanation of a label becomes its definition, and a resumed run must send the same text.
        for i in labels.keys.sorted() {
            guard let (label, explanation) = labels[i], kept.contains(label) else { continue }
            let id = "critic:\(label)"
            if let first = out[i].outcome?.failure, Critic.generic.contains(first) {
                out[i].outcome?.failure = id
                out[i].outcome?.detail = explanation
            } else if let k = out[i].outcome?.moreModes.firstIndex(where: Critic.generic.contains) {
                out[i].outcome?.moreModes[k] = id      // the first mode keeps its own detail
            }
            definitions[id] = definitions[id] ?? known.withLock { $0[label] } ?? explanation
        }
        known.withLock { k in for (id, d) in definitions { k[String(id.dropFirst(7))] = k[String(id.dropFirst(7))] ?? d } }
        return (out, definitions)
    }

    /// snake_case, or the label within edit distance 2 seen earlier (this call or a past round).
    func canonical(_ raw: String, seen: Set<String>) -> String {
        let words = raw.lowercased().split { !($0.isLetter || $0.isNumber) }.prefix(5)
        let label = words.isEmpty ? "unlabelled" : words.joined(separator: "_")
        let earlier = known.withLock { Set($0.keys) }.union(seen).sorted()
        return earlier.first { Spelling.editDistance($0, label) <= 2 } ?? label
    }
}
