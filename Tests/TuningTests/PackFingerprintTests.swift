import Foundation
import Testing
import TestSupport
import TaskPack
@testable import Tuning

/// A resume refuses a changed pack: every data file a split lists is part of its fingerprint.
@Suite struct PackFingerprintTests {
    @Test func everyFileOfASplitListIsRecorded() throws {
        let dir = Scratch.url("fp")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        let files = [
            "task.lua": #"""
                return { api = 1, name = "fp", prompt = { instruction = "x" },
                  data = { train = { "data/a.jsonl", { file = "data/b.jsonl", set = { label = "b" } } }, dev = "data/d.jsonl" },
                  split = { test = 0.3 },
                  render = function(ex) return ex.text end, extract = function(r) return r end, score = function() return 1 end }
                """#,
            "data/a.jsonl": #"{"id": "a", "text": "x"}"#, "data/b.jsonl": #"{"id": "b", "text": "y"}"#,
            "data/d.jsonl": #"{"id": "d", "text": "z"}"#,
        ]
        for (path, text) in files { try text.write(to: dir.appendingPathComponent(path), atomically: true, encoding: .utf8) }
        let spec = try PackRuntime(directory: dir).spec
        let before = try PackFingerprint.files(of: spec, directory: dir)
        #expect(before.keys.sorted() == ["data/a.jsonl", "data/b.jsonl", "data/d.jsonl", "task.lua"])
        try #"{"id": "b", "text": "changed"}"#.write(to: dir.appendingPathComponent("data/b.jsonl"), atomically: true, encoding: .utf8)
        let after = try PackFingerprint.files(of: spec, directory: dir)
        #expect(PackFingerprint.differences(recorded: before, now: after) == ["data/b.jsonl changed"])
    }

    /// The Lua of the packs a pack depends on is part of what a run read: an edit to one, or
    /// another version chosen, is a difference a resume refuses.
    @Test func theDependenciesLuaIsRecorded() throws {
        let dir = try Scratch.folder("fp-app"), dep = try Scratch.folder("fp-common")
        try FileManager.default.createDirectory(at: dep.appendingPathComponent("tests"), withIntermediateDirectories: true)
        try #"return { api = 1, name = "app", prompt = { instruction = "x" }, data = "d.jsonl", render = function(ex) return ex.text end, extract = function(r) return r end, score = function() return 1 end }"#
            .write(to: dir.appendingPathComponent("task.lua"), atomically: true, encoding: .utf8)
        try #"{"id": "a", "text": "x"}"#.write(to: dir.appendingPathComponent("d.jsonl"), atomically: true, encoding: .utf8)
        for (path, text) in ["labels.lua": "return { 'a' }", "task.lua": "return {}", "tests/cases.lua": "return {}"] {
            try text.write(to: dep.appendingPathComponent(path), atomically: true, encoding: .utf8)
        }
        let spec = try PackRuntime(directory: dir).spec
        let v1 = ResolvedPack(name: "common", version: "1.0.0", folder: dep, dependencies: [])
        let before = try PackFingerprint.files(of: spec, directory: dir, dependencies: [v1])
        #expect(before.keys.sorted() == ["common@1.0.0/labels.lua", "common@1.0.0/task.lua", "d.jsonl", "task.lua"])
        try "return { 'a', 'b' }".write(to: dep.appendingPathComponent("labels.lua"), atomically: true, encoding: .utf8)
        #expect(PackFingerprint.differences(recorded: before, now: try PackFingerprint.files(of: spec, directory: dir, dependencies: [v1]))
                == ["common@1.0.0/labels.lua changed"])
        let v2 = ResolvedPack(name: "common", version: "1.1.0", folder: dep, dependencies: [])
        #expect(PackFingerprint.differences(recorded: before, now: try PackFingerprint.files(of: spec, directory: dir, dependencies: [v2]))
                .contains("common@1.0.0/labels.lua removed"))
    }

    /// A prompt file task.lua reads and the tuning history are part of what a run read.
    @Test func thePromptFileAndTheHistoryAreRecorded() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-fp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let files = [
            "task.lua": #"""
                local rpt = require "rpt"
                return { api = 1, name = "fp", prompt = rpt.prompt_file("prompt.md"), data = "all.jsonl",
                  render = function(ex) return ex.text end, extract = function(r) return r end, score = function() return 1 end }
                """#,
            "prompt.md": "## Section task\n\nSay it.\n", "all.jsonl": #"{"id": "a", "text": "x"}"#,
            "history.json": PackHistory().fileText,
        ]
        for (path, text) in files { try text.write(to: dir.appendingPathComponent(path), atomically: true, encoding: .utf8) }
        let spec = try PackRuntime(directory: dir).spec
        let before = try PackFingerprint.files(of: spec, directory: dir)
        #expect(before.keys.sorted() == ["all.jsonl", "history.json", "prompt.md", "task.lua"])
        try "## Section task\n\nSay it twice.\n".write(to: dir.appendingPathComponent("prompt.md"), atomically: true, encoding: .utf8)
        #expect(PackFingerprint.differences(recorded: before, now: try PackFingerprint.files(of: spec, directory: dir)) == ["prompt.md changed"])
    }
}
