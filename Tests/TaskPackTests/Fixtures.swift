import Foundation
import TestSupport
@testable import TaskPack

/// A throwaway pack folder built from strings.
struct PackFixture {
    let dir: URL

    init(task: String, files: [String: String] = [:]) throws {
        dir = Scratch.url("test")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try write("task.lua", task)
        for (path, text) in files { try write(path, text) }
    }

    func write(_ path: String, _ text: String) throws {
        let url = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func load() throws -> PackRuntime { try PackRuntime(directory: dir) }

    /// The problems loading reports, or [] if it loads.
    func loadProblems() -> [PackError] {
        do { _ = try load(); return [] } catch let e as PackLoadError { return e.problems } catch { return [] }
    }

    /// A minimal valid task table with one line replaced or added.
    static func task(_ extra: String = "", replacing: [String: String] = [:]) -> String {
        var lines = [
            "api = 1,", #"name = "mini","#, #"data = "data/all.jsonl","#,
            #"prompt = { system = "s", instruction = "Say the label." },"#,
            #"render = function(ex) return ex.text end,"#,
            #"extract = function(reply) if reply == "" then return nil, "empty" end return reply end,"#,
            #"score = function(answer, ex) return answer == ex.label end,"#,
            #"gold = function(ex) return ex.label end,"#,
        ]
        for (old, new) in replacing { lines = lines.map { $0.hasPrefix(old) ? new : $0 } }
        return "return {\n" + lines.joined(separator: "\n") + "\n" + extra + "\n}\n"
    }

    static func rows(_ n: Int) -> String {
        (0..<n).map { #"{"id": "ex-\#($0)", "text": "t\#($0)", "label": "t\#($0)"}"# }.joined(separator: "\n") + "\n"
    }
}
