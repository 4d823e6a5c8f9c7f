import Foundation
@testable import PackSharing
import Testing
import TestSupport

/// Choosing versions: one per pack in a run, the highest every pack asking accepts; what cannot
/// be had is explained (missing, conflicting, a cycle).
@Suite struct DependencyResolutionTests {
    typealias Candidate = DependencyResolution.Candidate
    static func c(_ name: String, _ version: String, _ deps: [String: String] = [:], installed: Bool = true) -> Candidate {
        Candidate(name: name, version: version, dependencies: deps, installed: installed)
    }

    func resolve(_ needs: [String: String], _ all: [Candidate]) throws -> [String] {
        try DependencyResolution.resolve(root: "app 1.0.0", rootName: "app", needs: needs, candidates: { n in all.filter { $0.name == n } },
                                         unavailable: { name, range, by, have in "\(by) needs \(name) \(range); there: \(have)" })
            .map { "\($0.name) \($0.version)" + ($0.installed ? "" : " (fetch)") }
    }

    @Test func theHighestMatchingVersionAfterWhatItNeeds() throws {
        let all = [Self.c("common", "1.0.0"), Self.c("common", "1.4.0", ["base": "~2.1"]), Self.c("common", "2.0.0"),
                   Self.c("base", "2.1.3"), Self.c("base", "2.2.0")]
        #expect(try resolve(["common": "^1.0"], all) == ["base 2.1.3", "common 1.4.0"])
        // Of one version installed and listed, the installed one: nothing to fetch.
        #expect(try resolve(["base": "2.2.0"], [Self.c("base", "2.2.0", installed: false), Self.c("base", "2.2.0")]) == ["base 2.2.0"])
        #expect(try resolve(["base": "^2"], [Self.c("base", "2.1.3"), Self.c("base", "2.9.0", installed: false)]) == ["base 2.9.0 (fetch)"])
    }

    @Test func missingConflictingAndCyclesAreExplained() throws {
        #expect { try resolve(["common": "^3.0"], [Self.c("common", "1.0.0")]) } throws: { "\($0)" == "app 1.0.0 needs common ^3.0; there: [\"1.0.0\"]" }
        // Two packs of one run ask for versions no single one satisfies.
        let split = [Self.c("common", "1.0.0"), Self.c("common", "2.0.0"), Self.c("extra", "1.1.0", ["common": "^2.0"])]
        #expect { try resolve(["common": "^1.0", "extra": "^1"], split) } throws: {
            "\($0)".hasPrefix("conflicting versions of common: app 1.0.0 needs common ^1.0, extra 1.1.0 needs common ^2.0; "
                              + "one run uses one version of each pack, and none of 1.0.0, 2.0.0 suits all")
        }
        let loop = [Self.c("a", "1.0.0", ["b": "^1"]), Self.c("b", "1.0.0", ["a": "^1"])]
        #expect { try resolve(["a": "^1"], loop) } throws: { "\($0)".hasPrefix("a dependency cycle: a → b → a: a pack cannot depend on itself") }
        #expect { try resolve(["a": "^1"], [Self.c("a", "1.0.0", ["app": "^1"])]) } throws: { "\($0)".hasPrefix("a dependency cycle: app → a → app") }
        #expect { try resolve(["a": "not a range"], []) } throws: { "\($0)".contains("app 1.0.0: the dependency 'a' = 'not a range' is not a pack name and version range") }
    }
}

/// `rpt install` of a pack with dependencies: the missing ones come from the same source, first.
@Suite struct DependencyInstallTests {
    /// An index folder with common 1.0.0 and 1.2.0 and app 2.0.0 (needs common ^1.0).
    func index() throws -> (URL, URL) {
        let dir = try Scratch.folder("index")
        for v in ["1.0.0", "1.2.0"] { _ = try PackIndex.publish(try Archives.write(Archives.manifest(name: "common", version: v), Archives.entries()), to: dir) }
        var app = Archives.manifest(name: "app", version: "2.0.0")
        app.dependencies = ["common": "^1.0"]
        let archive = try Archives.write(app, Archives.entries())
        _ = try PackIndex.publish(archive, to: dir)
        return (dir, archive)
    }

    @Test func dependenciesAreInstalledFirstFromTheSameSource() async throws {
        let (dir, archive) = try index()
        let store = PackStore(root: try Scratch.folder("store"))
        let done = try await PackInstaller(store: store, source: try PackSource(dir.path, fetcher: nil), rptVersion: "0.1.0").install(archive, expect: nil)
        #expect(done.map { "\($0.manifest.name) \($0.manifest.version)" } == ["common 1.2.0", "app 2.0.0"])
        // Again: what is installed is used, nothing fetched twice.
        let again = try await PackInstaller(store: store, source: nil, rptVersion: "0.1.0").install(archive, expect: nil)
        #expect(again.map(\.sha256) == done.map(\.sha256))
    }

    @Test func withoutASourceAMissingDependencyIsExplainedAndNothingInstalled() async throws {
        let (_, archive) = try index()
        let store = PackStore(root: try Scratch.folder("store"))
        await #expect { _ = try await PackInstaller(store: store, source: nil, rptVersion: "0.1.0").install(archive, expect: nil) } throws: {
            "\($0)" == "app 2.0.0 needs common ^1.0, which is not installed: give --from DIR|URL to install it along, or rpt install common@^1.0 --from DIR|URL first"
        }
        #expect(store.list().isEmpty)
    }

    @Test func anIndexThatLiesAboutDependenciesIsCaught() async throws {
        let (dir, archive) = try index()
        let file = dir.appendingPathComponent(PackIndex.fileName)
        var index = try PackIndex.read(dir)
        for i in index.packs.indices where index.packs[i].name == "common" { index.packs[i].dependencies = ["other": "^1"] }
        try JSONEncoder().encode(index).write(to: file)
        _ = try PackIndex.publish(try Archives.write(Archives.manifest(name: "other", version: "1.0.0"), Archives.entries()), to: dir)
        let store = PackStore(root: try Scratch.folder("store"))
        await #expect { _ = try await PackInstaller(store: store, source: try PackSource(dir.path, fetcher: nil), rptVersion: "0.1.0").install(archive, expect: nil) }
            throws: { "\($0)".contains("lists common 1.2.0 with other dependencies than its manifest has") }
        #expect(store.list().map(\.manifest.name) == ["other"])
    }
}

/// The store as packs load with it: installed versions only, their manifests' own dependencies.
@Suite struct StoreDependenciesTests {
    @Test func theRunsVersionsComeFromTheStore() throws {
        let store = PackStore(root: try Scratch.folder("store"))
        func add(_ name: String, _ version: String, _ deps: [String: String] = [:]) throws {
            var m = Archives.manifest(name: name, version: version)
            m.dependencies = deps
            _ = try store.install(archive: try Archives.write(m, Archives.entries()), rptVersion: "0.1.0")
        }
        try add("common", "1.0.0"); try add("common", "1.3.0"); try add("common", "2.0.0")
        try add("extra", "1.1.0", ["common": "^2.0"]); try add("helper", "1.0.0", ["common": "~1.3"])
        let resolver = StoreDependencies(store: store)
        let got = try resolver.resolve(["common": "^1.0", "helper": "^1"])
        #expect(got.map { "\($0.name) \($0.version)" } == ["common 1.3.0", "helper 1.0.0"])
        #expect(got[0].folder == store.folder("common", "1.3.0") && got[1].dependencies == ["common"])
        // Two packs of one run that need versions no single one satisfies.
        #expect { try resolver.resolve(["common": "^1.0", "extra": "^1"]) } throws: {
            "\($0)".hasPrefix("conflicting versions of common: task.lua needs common ^1.0, extra 1.1.0 needs common ^2.0")
        }
        #expect { try resolver.resolve(["support-common": "^1.0"]) } throws: {
            "\($0)" == "task.lua needs support-common ^1.0, which is not installed: rpt install support-common@^1.0 --from DIR|URL"
        }
        #expect { try resolver.resolve(["common": "^3"]) } throws: { "\($0)".contains("(installed: 1.0.0, 1.3.0, 2.0.0)") }
    }
}
