import Foundation
import Testing
import LuaHost
@testable import TaskPack

/// Issue 13: `score` may return a table of declared metrics (rpt computes the primary as their
/// weighted mean) and `classify` several modes; anything else is a clear hook error.
@Suite struct MetricTableTests {
    static let ex = Example(id: "ex-1", fields: ["id": "ex-1", "text": "t1", "label": "t1"], source: "data/all.jsonl:2")

    /// A pack whose score returns what the reply names: "ok" a valid table, others a broken one.
    static func pack(score: String, metrics: String = #"metrics = { primary = "total", weights = { a = 3, b = 1 } },"#) throws -> PackFixture {
        try PackFixture(task: PackFixture.task(metrics + """
            failures = { one = "first", two = "second" },
            classify = function(answer) if answer == "both" then return { "two", "one", "two" }, "d" end return "one" end,
            """, replacing: ["score": "score = function(answer, ex) \(score) end,"]), files: ["data/all.jsonl": PackFixture.rows(2)])
    }

    func scoreError(_ body: String) throws -> String {
        let runtime = try Self.pack(score: body).load()
        do { _ = try runtime.evaluate(reply: "x", example: Self.ex); return "no error" } catch { return error.message }
    }

    @Test func aValidTableGivesEachMetricAndTheWeightedMean() throws {
        let runtime = try Self.pack(score: "return { a = 1, b = answer == 'both' and true or 0 }").load()
        #expect(runtime.spec.metrics == MetricSpec(primary: "total", weights: ["a": 3, "b": 1]))
        let o = try runtime.evaluate(reply: "x", example: Self.ex)
        #expect(o.metrics == ["a": 1, "b": 0])
        #expect(o.score == 0.75)
        #expect(o.modes == ["one"])
        // A reply extract cannot read is 0 on every metric.
        let f = try runtime.evaluate(reply: "", example: Self.ex)
        #expect(f.metrics == ["a": 0, "b": 0] && f.score == 0 && f.modes == ["format"])
    }

    @Test func anUndeclaredMetricIsNamed() throws {
        let e = try scoreError("return { a = 1, b = 1, c = 0 }")
        #expect(e.contains("returned metric 'c', which is not declared in metrics.weights") && e.contains("(metrics: a, b)"), "\(e)")
        let p = try scoreError("return { a = 1, b = 1, total = 1 }")
        #expect(p.contains("'total', which is the primary, which rpt computes from the weights"), "\(p)")
        let missing = try scoreError("return { a = 1 }")
        #expect(missing.contains("left out metric 'b'"), "\(missing)")
        let number = try scoreError("return 1")
        #expect(number.contains("this pack declares metrics, so score returns a table of the metrics declared"), "\(number)")
    }

    @Test func nanAndOutOfRangeValuesAreRefused() throws {
        let nan = try scoreError("return { a = 0/0, b = 1 }")
        #expect(nan.contains("metric 'a' = NaN; each metric must be a finite number in [0, 1]"), "\(nan)")
        let high = try scoreError("return { a = 1, b = 1.5 }")
        #expect(high.contains("metric 'b' = 1.5"), "\(high)")
        let inf = try scoreError("return { a = -1/0, b = 1 }")
        #expect(inf.contains("metric 'a' = -inf"), "\(inf)")
        let text = try scoreError("return { a = 'yes', b = 1 }")
        #expect(text.contains("metric 'a' = string"), "\(text)")
    }

    @Test func aBadMetricsDeclarationIsAProblemAtLoad() throws {
        func problems(_ decl: String) throws -> String {
            try Self.pack(score: "return {}", metrics: decl).loadProblems().map(\.message).joined(separator: "\n")
        }
        #expect(try problems(#"metrics = { primary = "total", weights = { a = 0 } },"#).contains("'metrics.weights.a' must be a positive number"))
        #expect(try problems(#"metrics = { primary = "total", weights = { total = 1 } },"#).contains("metric 'total' is the primary"))
        #expect(try problems(#"metrics = { weights = { a = 1 } },"#).contains("'metrics.primary' must name the primary metric"))
        #expect(try problems(#"metrics = { primary = "t", weights = {} },"#).contains("'metrics.weights' must give each metric a weight"))
        #expect(try problems(#"metrics = { primary = "t", weight = { a = 1 } },"#).contains("unknown key 'weight'"))
    }

    @Test func classifyMayGiveSeveralModesEachCountedOnce() throws {
        let runtime = try Self.pack(score: "return { a = 0, b = 0 }").load()
        var steps: [HookStep] = []
        let o = try runtime.evaluate(reply: "both", example: Self.ex) { steps.append($0) }
        #expect(o.modes == ["two", "one"] && o.failure == "two" && o.detail == "d")
        #expect(steps.suffix(2) == [.classified(mode: "two", detail: "d"), .moreModes(["one"])])
    }

    @Test func aListOfModesMustHoldOnlyModesOfTheTaxonomy() throws {
        func classifyError(_ ret: String) throws -> String {
            let pack = try PackFixture(task: PackFixture.task("""
                failures = { one = "first" },
                classify = function() return \(ret) end,
                """), files: ["data/all.jsonl": PackFixture.rows(2)])
            let runtime = try pack.load()
            do { _ = try runtime.evaluate(reply: "x", example: Self.ex); return "no error" } catch { return error.message }
        }
        #expect(try classifyError(#"{ "one", "nope" }"#).contains("returned 'nope', which is not in 'failures'"))
        #expect(try classifyError(#"{ "one", 3 }"#).contains("returned a list holding a number"))
        #expect(try classifyError("{}").contains("as the mode; return one mode from 'failures'"))
    }
}
