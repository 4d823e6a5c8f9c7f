import Foundation
import ModelClient
import TaskPack
import Tuning

/// Which model grades a run's replies: `--judge`, else `judge_model` of the user's rpt.toml (a
/// pack's rpt.toml may set nothing, and task.lua cannot name one). A pack with a judge is refused
/// without one, saying how to give one; a pack without a judge needs none.
enum JudgeChoice {
    static func model(flag: ModelName?, config: ModelConfig, spec: TaskSpec, pack: String) throws -> String? {
        guard spec.judge != nil else {
            if let flag { FileHandle.standardError.write(Data("note: \(pack) has no judge, so --judge \(flag) is not used\n".utf8)) }
            return nil
        }
        if let flag { return flag.description }        // the parser checked its form
        guard let chosen = config.judgeModel else { throw Refusal(missing(pack)) }
        do { _ = try ModelName(parsing: chosen) } catch let e as ModelError { throw Refusal("judge_model: " + e.message) }
        return chosen
    }

    static func missing(_ pack: String) -> String {
        "\(pack) grades its replies with a judge model, and none was given: add --judge MODEL (e.g. --judge openai:gpt-4.1-mini, "
            + "or --judge local:qwen2.5-coder-1.5b to grade on this machine), or set judge_model = \"provider:model\" in your "
            + "rpt.toml (~/.config/rpt/rpt.toml). A pack cannot choose its judge."
    }

    /// The longest judge request before the reply, in characters, for the dry run's bound.
    static func requestChars(_ runtime: PackRuntime, _ examples: [Example]) -> Int {
        guard let judge = runtime.spec.judge else { return 0 }
        let criteria = if case .criteria(let items) = judge.grading { items.joined(separator: "\n").utf8.count } else { 0 }
        let inputs = examples.compactMap { try? runtime.render($0) }.map(\.utf8.count).max() ?? 0
        let references = examples.compactMap { (try? runtime.reference($0)) ?? nil }.map(\.utf8.count).max() ?? 0
        return judge.rubric.utf8.count + criteria + inputs + references + 1000    // + the judge's instructions and headings
    }
}
