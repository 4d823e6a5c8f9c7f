import Foundation
import Testing
@testable import TaskPack

/// `prompt.sections`: named parts of the instruction, some frozen.
@Suite struct PromptSectionTests {
    func pack(_ prompt: String, _ extra: String = "") throws -> PackFixture {
        try PackFixture(task: PackFixture.task(extra, replacing: ["prompt": prompt]), files: ["data/all.jsonl": PackFixture.rows(10)])
    }

    @Test func sectionsLoadInOrderAndJoinWithABlankLine() throws {
        let p = try pack(#"prompt = { system = "s", sections = { { id = "task", text = "Say the label." }, { id = "format", text = "One word.", frozen = true } } },"#,
                         "max_tokens = 16,")
        let spec = try p.load().spec
        #expect(spec.prompt.sections == [PromptSection(id: "task", text: "Say the label."), PromptSection(id: "format", text: "One word.", frozen: true)])
        #expect(spec.prompt.instruction == "Say the label.\n\nOne word.")
        #expect(spec.maxTokens == 16)
    }

    @Test func aPlainInstructionIsOneSection() throws {
        let spec = try pack(#"prompt = { system = "s", instruction = "Say the label." },"#).load().spec
        #expect(spec.prompt.sections == [PromptSection(id: "instruction", text: "Say the label.")])
    }

    @Test func badSectionsAreExplained() throws {
        let cases: [(String, String)] = [
            (#"prompt = { instruction = "x", sections = { { id = "a", text = "y" } } },"#, "'prompt' has both 'instruction' and 'sections'"),
            (#"prompt = { sections = {} },"#, "'prompt.sections' must be a non-empty list"),
            (#"prompt = { sections = { { id = "a", text = "x" }, { id = "a", text = "y" } } },"#, "'prompt.sections[2]': the id 'a' is used twice"),
            (#"prompt = { sections = { { id = "9 bad", text = "x" } } },"#, "'prompt.sections[1]'.id must be a name"),
            (#"prompt = { sections = { { id = "a", text = 5 } } },"#, "'prompt.sections[1]'.text must be a string"),
            (#"prompt = { sections = { { id = "a", text = "x", frozen = "yes" } } },"#, "'prompt.sections[1]'.frozen must be true or false"),
            (#"prompt = { sections = { { id = "a", text = "x", frozen = true } } },"#, "every section is frozen"),
            (#"prompt = { sections = { { id = "a", txt = "x" } } },"#, "unknown key 'prompt.sections[1]'.txt (did you mean 'text'?)"),
            (#"prompt = { system = "s" },"#, "'prompt' needs an 'instruction' string or a list of 'sections'"),
        ]
        for (prompt, expected) in cases {
            let problems = try pack(prompt).loadProblems().map(\.message)
            #expect(problems.contains { $0.contains(expected) }, "\(prompt): \(problems)")
        }
    }

    @Test func maxTokensIsCheckedNotConverted() throws {
        for bad in ["max_tokens = 1e300,", "max_tokens = -5,", "max_tokens = 0,", "max_tokens = \"lots\","] {
            let problems = try pack(#"prompt = { instruction = "x" },"#, bad).loadProblems().map(\.message)
            #expect(problems.contains { $0.hasPrefix("'max_tokens' must be a whole number from 1 to 65536") }, "\(bad)")
        }
    }
}
