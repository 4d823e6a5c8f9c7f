import Foundation
import Testing
import LuaHost
import MockModels
import TestSupport

/// `--set NAME=VALUE` as a user gives it, on the shipped tasks/bbh pack.
@Suite struct ParameterCLITests {
    static let subtasks = ["causal_judgement", "date_understanding", "formal_fallacies", "logical_deduction_five_objects",
                           "navigate", "object_counting", "tracking_shuffled_objects_three_objects", "web_of_lies"]

    @Test func everyBBHSubtaskPassesCheck() async throws {
        for subtask in Self.subtasks {
            let r = try await CLI.run("check", "tasks/bbh", "--set", "subtask=\(subtask)")
            #expect(r.status == 0, "\(subtask): \(r.out)\(r.err)")
            #expect(r.out.contains("  ok    params   subtask = \(subtask) (values: \(Self.subtasks.joined(separator: ", ")))"))
            #expect(r.out.contains("data/\(subtask)/dev.jsonl"))
        }
    }

    @Test func wrongSetsAreNamedWithWhatWouldDo() async throws {
        let typo = try await CLI.run("check", "tasks/bbh", "--set", "subtask=navigat")
        #expect(typo.status == 1)
        #expect(typo.out.contains("--set: subtask=navigat: not a value of 'subtask' (did you mean 'navigate'?) (its values: causal_judgement, "))
        let name = try await CLI.run("try", "tasks/bbh", "--set", "subtsk=navigate", "--reply", "Answer: No")
        #expect(name.status == 1)
        #expect(name.err.contains("this pack has no parameter 'subtsk' (did you mean 'subtask'?)"))
        let malformed = try await CLI.run("eval", "tasks/bbh", "--target", "openai:t", "--set", "navigate")
        #expect(malformed.status != 0)
        #expect(malformed.err.contains("--set takes NAME=VALUE (e.g. --set subtask=navigate), found 'navigate'"))
    }

    @Test func tryShowsTheSubtasksPrompt() async throws {
        let r = try await CLI.run("try", "tasks/bbh", "--set", "subtask=object_counting", "--reply", "Answer: 3")
        #expect(r.out.contains("Count only the items of the kind the question asks about."))
        #expect(r.out.contains("Answer: 7"))        // the format line's example, frozen per answer kind
    }

    /// A mock target that always answers Yes, an optimizer that stops at once.
    static func server() throws -> MockServer {
        try MockServer { req in
            req.json?["tools"] != nil ? .chat(nil, toolCalls: [("stop", .string(#"{"reason": "done"}"#))]) : .chat("Step by step.\nAnswer: Yes")
        }
    }

    @Test func aTuneRunRecordsItsParametersAndAResumeKeepsThem() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let folder = Scratch.path("tune-bbh")
        let args = ["tune", "tasks/bbh", "--set", "subtask=web_of_lies", "--target", "openai:t", "--base-url", server.baseURL,
                    "--train-sample", "10", "--dev-limit", "10", "--test-limit", "10", "--rounds", "1", "--run", folder]
        let r = try await CLI.run(args, environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        let config = try JSON.decode(try String(contentsOfFile: folder + "/config.json", encoding: .utf8))
        #expect(config["parameters"] == .object(["subtask": .string("web_of_lies")]))
        let other = try await CLI.run(["tune", "--resume", folder, "--set", "subtask=navigate"], environment: ["OPENAI_API_KEY": "k"])
        #expect(other.status != 0)
        #expect(other.err.contains("--set subtask=navigate differs from the run's subtask=web_of_lies"))
        // The same value, or none, resumes with the run's own: the replayed events match.
        let same = try await CLI.run(["tune", "--resume", folder, "--set", "subtask=web_of_lies", "--base-url", server.baseURL],
                                     environment: ["OPENAI_API_KEY": "k"])
        #expect(same.status == 0, "\(same.err)")
    }

    @Test func evalScoresTheChosenSubtask() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let out = Scratch.path("eval-bbh")
        let e = try await CLI.run(["eval", "tasks/bbh", "--set", "subtask=navigate", "--target", "openai:t", "--base-url", server.baseURL,
                                   "--limit", "20", "--json", "--out", out], environment: ["OPENAI_API_KEY": "k"])
        #expect(e.status == 0, "\(e.err)")
        // navigate's answers are No more often than Yes: always-Yes scores below one half.
        let score = try #require(try JSON.decode(e.out.trimmingCharacters(in: .whitespacesAndNewlines))["score"]?.number)
        #expect(score > 0 && score < 0.6)
        let rows = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8)
        #expect(rows.contains("bbh-navigate-") && !rows.contains("bbh-web_of_lies-"))
        // summary.json says which subtask it scored.
        let summary = try JSON.decode(try String(contentsOfFile: out + "/summary.json", encoding: .utf8))
        #expect(summary["parameters"]?["subtask"] == .string("navigate"), "\(summary)")
    }
}
