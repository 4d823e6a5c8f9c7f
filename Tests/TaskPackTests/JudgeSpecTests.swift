import Foundation
import Testing
import LuaHost
@testable import TaskPack

/// The `judge` table of a pack, the verdicts rpt accepts from a judge model, and how they reach
/// the pack's hooks.
@Suite struct JudgeSpecTests {
    static let scaled = """
        judge = { rubric = "5 is best", scale = { 1, 5 }, reference = function(ex) return "ref " .. ex.text end },
        failures = { weak = "judged weak" },
        classify = function(answer, ex, reply, verdict) return "weak", verdict.reason end,
        """
    static let judgedScore = #"score = function(answer, ex, verdict) return verdict.normalized end,"#

    func pack(_ judge: String, score: String = judgedScore) throws -> PackFixture {
        try PackFixture(task: PackFixture.task(judge, replacing: ["score": score]), files: ["data/all.jsonl": PackFixture.rows(30)])
    }

    @Test func aJudgeLoadsWithItsScaleAndReference() throws {
        let rt = try pack(Self.scaled).load()
        #expect(rt.spec.judge == JudgeSpec(rubric: "5 is best", grading: .scale(low: 1, high: 5), hasReference: true))
        let ex = Example(id: "a", fields: ["text": "hi", "label": "x"], source: "t")
        #expect(try rt.reference(ex) == "ref hi")
    }

    @Test func theVerdictReachesScoreAndClassify() throws {
        let rt = try pack(Self.scaled).load()
        let ex = Example(id: "a", fields: ["text": "hi", "label": "x"], source: "t")
        let verdict = try rt.spec.judge!.verdict(from: ["score": 2, "reason": "no next step"]).get()
        #expect(verdict.normalized == 0.25)
        let outcome = try rt.evaluate(reply: "hello", example: ex, verdict: verdict)
        #expect(outcome.score == 0.25 && outcome.failure == "weak" && outcome.detail == "no next step" && outcome.verdict == verdict)
    }

    @Test func aPackCannotNameTheJudgeModelOrItsServer() throws {
        let problems = try pack(#"judge = { rubric = "r", scale = { 1, 5 }, model = "openai:gpt-4.1", endpoint = "http://x" },"#)
            .loadProblems().map(\.message)
        #expect(problems == ["'judge.endpoint', 'judge.model': a pack may not choose the judge model or its server: the user gives it "
                             + "(rpt eval --judge MODEL, or judge_model = \"provider:model\" in their rpt.toml)"])
    }

    @Test(arguments: [
        (#"judge = { scale = { 1, 5 } },"#, "'judge.scale' needs a 'judge.rubric' saying what each score means"),
        (#"judge = { rubric = "r", scale = { 5, 1 } },"#, "'judge.scale' must be { low, high }"),
        (#"judge = { rubric = "r", scale = { 1, 2.5 } },"#, "'judge.scale' must be { low, high }"),
        (#"judge = { rubric = "r", scale = { 1, 5 }, criteria = { "a" } },"#, "'judge' has both 'scale' and 'criteria': give one"),
        (#"judge = { criteria = {} },"#, "'judge.criteria' must be a list of 1 to 20 yes/no questions"),
        (#"judge = { rubric = "r" },"#, "'judge' needs a 'scale' (with a 'rubric') or a list of 'criteria'"),
        (#"judge = { rubirc = "r", criteria = { "a" } },"#, "unknown key 'judge.rubirc' (did you mean 'rubric'?)"),
        (#"judge = { criteria = { "a" }, reference = "the answer" },"#, "'judge.reference' must be a function(example)"),
        (#"judge = "gpt-4.1","#, "'judge' must be a table"),
    ])
    func aBadJudgeTableSaysWhatToWrite(_ judge: String, _ message: String) throws {
        let problems = try pack(judge).loadProblems().map(\.message)
        #expect(problems.contains { $0.hasPrefix(message) }, "\(problems)")
    }

    static let unusable: [(LuaValue, String)] = [
        (["score": 6, "reason": "r"], "the score 6 is outside the scale 1 to 5"),
        (["score": 0.5, "reason": "r"], "the score 0.5 is outside the scale 1 to 5"),
        (["score": "NaN", "reason": "r"], "the score \"NaN\" is not a number"),
        (["score": "inf", "reason": "r"], "the score \"inf\" is not a number"),
        (["score": .null, "reason": "r"], "the verdict has no score"),
        (["score": 3], "the verdict gives no reason"),
        (["score": 3, "reason": "   "], "the verdict gives no reason"),
        (["score": 3, "reason": 7], "reason: must be text, not number"),
        (["score": 3, "reason": .string(String(repeating: "x", count: 2001))], "reason: 2001 characters, more than 2000"),
        ("five", "the verdict is string, not an object"),
    ]

    @Test(arguments: unusable)
    func anUnusableVerdictSaysWhy(_ args: LuaValue, _ message: String) {
        let judge = JudgeSpec(rubric: "r", grading: .scale(low: 1, high: 5), hasReference: false)
        #expect(judge.verdict(from: args).failure?.message == message)
    }

    @Test func criteriaVerdictsCountWhatIsMetAndKeepEachReason() throws {
        let judge = JudgeSpec(rubric: "", grading: .criteria(["answers", "next step", "no invention"]), hasReference: false)
        let v = try judge.verdict(from: ["criteria": [true, ["met": "no", "reason": "no freeze"], ["met": false, "reason": "a fee"]]]).get()
        #expect(v.score == 1 && abs(v.normalized - 1.0 / 3) < 1e-12)
        #expect(v.reason == "no to 2 (next step): no freeze; no to 3 (no invention): a fee")
        #expect(v.lua["criteria"]?.array?[1] == ["criterion": "next step", "met": false, "reason": "no freeze"])
        #expect(judge.verdict(from: ["criteria": [true, true]]).failure?.message == "the verdict answers 2 criteria, not 3")
        #expect(judge.verdict(from: ["criteria": [true, "maybe", true], "reason": "r"]).failure?.message == "criterion 2: 'met' must be true or false")
        #expect(judge.verdict(from: ["criteria": [true, true, true]]).failure?.message == "the verdict gives no reason")
        #expect(judge.perfect.normalized == 1 && judge.perfect.score == 3)
    }

    @Test func casesGiveScoreAVerdictAndJudgedCasesAreCheckedWithoutAModel() throws {
        let fixture = try pack(Self.scaled, score: Self.judgedScore)
        try fixture.write("tests/cases.lua", """
            return {
              { example = { text = "a", label = "a" }, reply = "a", score = 1 },
              { example = { text = "a", label = "a" }, reply = "a", verdict = { score = 3, reason = "meh" }, score = 0.5, failure = "weak" },
              { example = { text = "a", label = "a" }, reply = "a", verdict = { score = 9, reason = "x" } },
            }
            """)
        try fixture.write("tests/judge.lua", """
            return {
              { name = "ok", example = "ex-1", reply = "a", verdict = { 4, 5 } },
              { name = "by fields", example = { text = "b", label = "b" }, reply = "b", verdict = 2 },
              { name = "out of the scale", example = "ex-1", reply = "a", verdict = { 0, 9 } },
              { name = "unknown id", example = "nope", reply = "a", verdict = 5 },
              { name = "unreadable", example = "ex-2", reply = "", verdict = 5 },
            }
            """)
        let check = PackCheck.run(directory: fixture.dir)
        let problems = check.problems.map(\.description)
        #expect(problems.contains("tests/cases.lua: case 3: 'verdict' is not one the judge could give: the score 9 is outside the scale 1 to 5"))
        #expect(problems.contains { $0.hasPrefix("tests/judge.lua: case 3 'out of the scale': needs 'verdict': the scores the judge must give") })
        #expect(problems.contains("tests/judge.lua: case 4 'unknown id': no example with id 'nope' in the pack's data"))
        #expect(problems.contains { $0.hasPrefix("tests/judge.lua: case 5 'unreadable': extract cannot read the reply (empty)") })
        #expect(problems.count == 4, "\(problems.joined(separator: "\n"))")
        #expect(check.judgeCases.map(\.name) == ["ok", "by fields"])
        #expect(check.judgeCases.map(\.range) == [4...5, 2...2])
        #expect(check.steps.contains { $0.step == "gold" && $0.status == "ok" })     // gold scored with a perfect verdict
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
