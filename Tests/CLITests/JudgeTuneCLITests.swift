import Foundation
import Testing
import LuaHost
import MockModels

/// `rpt tune` on a pack with a judge: the judge grades every evaluation, its reasons reach the
/// optimizer, and it is a role of its own in the summary.
@Suite struct JudgeTuneCLITests {
    func temp(_ name: String) -> String { EvalCLITests().temp(name) }

    @Test func tuneWithAJudgeShowsTheOptimizerWhyRepliesWereJudgedWeak() async throws {
        let magic = ScriptedWorld.magic
        let world = JudgeWorld { round, step in
            switch (round, step) {
            case (1, 0): return [TuneCLITests.edit("evaluate_edit", magic)]
            case (1, 1): return [TuneCLITests.edit("edit_section", magic)]
            default: return [("stop", ["reason": "done"])]
            }
        }
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let folder = temp("judged-tune")
        let r = try await CLI.detached(["tune", JudgeCLITests.pack, "--target", "openai:t", "--optimizer", "openai:o", "--judge", "openai:j",
                             "--base-url", server.baseURL, "--rounds", "3", "--run", folder], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("dev score      0.625     1.000"), "\(r.out)")
        let printed = SummaryCLITests.printedTokens(r.out)
        #expect(printed.keys.sorted() == ["judge", "optimizer", "target"])
        #expect(printed == SummaryCLITests.summaryTokens(try SummaryCLITests.summary(folder)))
        let config = try JSON.decode(try String(contentsOfFile: folder + "/config.json", encoding: .utf8))
        #expect(config["judge"] == "openai:j")
        let final = try JSON.decode(try String(contentsOfFile: folder + "/final.json", encoding: .utf8))
        #expect(final["initial_score"]?.number == 0.625 && final["best_score"]?.number == 1)
        // The optimizer's first message has the failure report, with the judge's reason under each weak reply.
        let optimizer = server.requests.filter { $0.json?["tools"] != nil && !JudgeWorld.isJudge($0) }
        let context = optimizer.first?.json?["messages"]?.array?[1]["content"]?.string ?? ""
        #expect(context.contains("### weak — 4 failures"), "\(context)")
        #expect(context.contains("judge 2, normalized 0.25: \(JudgeWorld.weakReason)"))
        // A resume keeps the run's judge.
        let other = try await CLI.detached(["tune", "--resume", folder, "--judge", "openai:other"], environment: ["OPENAI_API_KEY": "k"])
        #expect(other.status == 1 && other.err.contains("this run was graded by the judge openai:j, and a resume keeps it"), "\(other.err)")
    }
}
