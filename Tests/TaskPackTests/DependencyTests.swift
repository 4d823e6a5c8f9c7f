import Foundation
import Testing
import TestSupport
@testable import TaskPack

/// Installed packs as a resolver gives them, without a store: each a folder of files.
struct Shelf: DependencyResolver {
    var packs: [ResolvedPack] = []

    init(_ packs: [(name: String, deps: [String], files: [String: String])]) throws {
        for p in packs {
            let dir = Scratch.url(p.name)
            for (path, text) in p.files {
                let url = dir.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            }
            self.packs.append(ResolvedPack(name: p.name, version: "1.2.0", folder: dir, dependencies: p.deps))
        }
    }

    struct NotInstalled: Error, CustomStringConvertible { let description: String }

    func resolve(_ declared: [String: String]) throws -> [ResolvedPack] {
        for name in declared.keys.sorted() where !packs.contains(where: { $0.name == name }) {
            throw NotInstalled(description: "task.lua needs \(name) \(declared[name]!), which is not installed: rpt install \(name)@\(declared[name]!) --from DIR|URL")
        }
        return packs
    }
}

/// `rpt.dependencies` and `require "NAME.module"`: a dependency's modules load in the same
/// sandbox under the same limits, each pack in its own environment, reaching only its own folder.
@Suite struct DependencyTests {
    static let header = "local rpt = require \"rpt\"\n"

    func pack(_ top: String, files: [String: String] = [:], shelf: Shelf) throws -> Result<PackRuntime, PackLoadError> {
        let fixture = try PackFixture(task: Self.header + top + PackFixture.task("description = DESCRIPTION,"),
                                      files: files.merging(["data/all.jsonl": PackFixture.rows(3)]) { a, _ in a })
        return Result { () throws(PackLoadError) in try PackRuntime(directory: fixture.dir, resolver: shelf) }
    }

    func problems(_ r: Result<PackRuntime, PackLoadError>) -> String {
        if case .failure(let e) = r { return e.problems.map(\.description).joined(separator: "\n") }
        return ""
    }

    let common = (name: "common", deps: ["base"], files: [
        "labels.lua": "local util = require 'util'\nLEAK = 'from common'\nreturn { names = util.upper({ 'low', 'high' }), base = require 'base.greeting' }",
        "util.lua": "return { upper = function(t) local o = {} for i, s in ipairs(t) do o[i] = s:upper() end return o end }",
        "init.lua": "return 'common itself'",
    ])
    let base = (name: "base", deps: [String](), files: ["greeting.lua": "return 'hello from base'"])

    @Test func aDependencysModulesAreRequiredByName() throws {
        let r = try pack("""
            local versions = rpt.dependencies { common = "^1.0" }
            local labels = require "common.labels"
            DESCRIPTION = versions.common .. " " .. table.concat(labels.names, ",") .. " " .. labels.base .. " " .. require "common"
            """, shelf: try Shelf([common, base])).get()
        #expect(r.spec.description == "1.2.0 LOW,HIGH hello from base common itself")
        #expect(r.dependencies.declared == ["common": "^1.0"])
        #expect(r.dependencies.packs.map(\.name) == ["common", "base"])
    }

    @Test func eachPackKeepsToItsOwnGlobalsFilesAndDependencies() throws {
        let spy = (name: "spy", deps: [String](), files: [
            "probe.lua": """
                local seen = {}
                seen[#seen + 1] = tostring(SECRET)
                seen[#seen + 1] = tostring((pcall(require, "lib.secret")))
                seen[#seen + 1] = tostring((pcall(require, "common.labels")))
                return table.concat(seen, " ")
                """,
        ])
        let r = try pack("""
            SECRET = "the pack's"
            rpt.dependencies { common = "^1", spy = "^1" }
            local probe = require "spy.probe"
            require "common.labels"
            DESCRIPTION = probe .. " " .. tostring(LEAK) .. " " .. tostring((pcall(require, "base.greeting")))
            """, files: ["lib/secret.lua": "return 'x'"], shelf: try Shelf([common, base, spy])).get()
        // spy sees neither the pack's globals, nor its files, nor a pack it did not declare;
        // common's global stays in common; base is common's dependency, not the pack's.
        #expect(r.spec.description == "nil false false nil false")
    }

    @Test func aMissingDependencyIsExplainedAtTheLineThatDeclaresIt() throws {
        let r = try pack("rpt.dependencies { ['support-common'] = '^1.0' }", shelf: try Shelf([]))
        #expect(problems(r) == "task.lua:2: runtime error: task.lua needs support-common ^1.0, which is not installed: "
                + "rpt install support-common@^1.0 --from DIR|URL")
        let undeclared = try pack("local x = require 'common.labels'", shelf: try Shelf([common, base]))
        #expect(problems(undeclared).contains("module 'common.labels' not found: a task pack may require only its own files (common/labels.lua), "
                                              + "the modules of the packs it declares with rpt.dependencies, and the rpt modules"))
    }

    @Test func aHostileDependencyMeetsTheSameLimitsAndFileRules() throws {
        let outside = Scratch.url("secret")
        try "return 'the key'".write(to: outside, atomically: true, encoding: .utf8)
        let evil = (name: "evil", deps: [String](), files: ["loop.lua": "while true do end", "big.lua": "local t = {} for i = 1, 1e9 do t[i] = i end"])
        let shelf = try Shelf([evil])
        try FileManager.default.createSymbolicLink(atPath: shelf.packs[0].folder.appendingPathComponent("link.lua").path, withDestinationPath: outside.path)
        let cases = [
            ("require 'evil.loop'", "task.lua:3: instruction limit: instruction limit exceeded"),
            ("require 'evil.big'", "memory limit"),
            ("require 'evil.link'", "module 'evil.link': evil@1.2.0/link.lua leads outside the pack"),
            ("require 'evil.../../x'", "module names are letters, digits"),
            ("require 'evil/../x'", "module names are letters, digits"),
        ]
        for (line, why) in cases {
            let r = try pack("rpt.dependencies { evil = '*' }\n" + line, shelf: shelf)
            #expect(problems(r).contains(why), "\(line): \(problems(r))")
        }
    }

    @Test func aCycleBackToThePackIsRefused() throws {
        let r = try pack("rpt.dependencies { common = '^1' }", shelf: try Shelf([
            (name: "common", deps: ["mini"], files: [:]), (name: "mini", deps: [], files: [:]),
        ]))
        #expect(problems(r) == "task.lua: a dependency cycle: mini → common → mini: a pack cannot depend on itself, directly or through other packs")
    }

    @Test func theDeclarationIsMadeOnceWhileLoading() throws {
        let shelf = try Shelf([base])
        #expect(problems(try pack("rpt.dependencies { base = '1' }\nrpt.dependencies { base = '1' }", shelf: shelf))
                    .contains("task.lua:3: runtime error: rpt.dependencies declares the packs this one uses while task.lua loads, once"))
        #expect(problems(try pack("rpt.dependencies { base = 1 }", shelf: shelf)).contains("rpt.dependencies expects a table of pack names and version ranges"))
        let key = try PackFixture(task: PackFixture.task("dependencies = { base = '^1' },"), files: ["data/all.jsonl": PackFixture.rows(3)])
        #expect(key.loadProblems().map(\.description).contains {
            $0.contains("'dependencies' not a key of the table: declare them before it, rpt.dependencies { [\"support-common\"] = \"^1.0\" }")
        })
        let none = try PackFixture(task: "local rpt = require 'rpt'\nrpt.dependencies { base = '1' }\n" + PackFixture.task(),
                                   files: ["data/all.jsonl": PackFixture.rows(3)])
        #expect(throws: PackLoadError.self) { _ = try PackRuntime(directory: none.dir, resolver: nil) }
    }
}
