import ArgumentParser
import Foundation
import PackSharing

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the installed task packs.")

    func run() {
        let store = PackStore.standard()
        let all = store.list()
        guard !all.isEmpty else { print("no packs installed in \(store.root.path)"); return }
        let width = all.map { $0.manifest.name.count + $0.manifest.version.count + 1 }.max() ?? 0
        for p in all {
            let id = "\(p.manifest.name) \(p.manifest.version)"
            print(id + String(repeating: " ", count: width - id.count) + "  " + (p.manifest.isLibrary ? "(library) " : "") + p.manifest.description)
        }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show an installed pack (its manifest, data licences, files and tuning history), or a pack folder.")

    @Argument(help: "NAME or NAME@VERSION (a range picks the highest installed match), or a pack folder.") var pack: String

    func run() throws {
        if let folder = Self.folder(pack) { return try showFolder(folder) }
        guard let request = PackRequest(pack) else { throw ValidationError("'\(pack)' is not NAME or NAME@VERSION") }
        let p = try PackStore.standard().find(request)
        let m = p.manifest
        print("\(m.name) \(m.version)")
        print("  \(m.description)")
        print("  pack API \(m.api), needs rpt \(m.minRpt) or later")
        if m.isLibrary { print("  " + Self.libraryLine) }
        print("  installed in \(p.folder.path)")
        print("  sha256 \(p.sha256)")
        print("  \(m.files.count) files, \(m.totalBytes) bytes")
        print(m.dependencies.isEmpty ? "  no dependencies" : "  depends on " + m.dependencies.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        if m.licences.isEmpty { print("  data licences: none shipped (ask the pack's authors)") }
        else {
            print("  data licences:")
            for l in m.licences { print("    \(l.file): \(l.summary)") }
        }
        print(Self.history(m), terminator: "")
        // What a pack can do is fixed by rpt: it never sets models, endpoints, keys or prices.
        print("  runs only in rpt's sandbox: no files outside the pack, no network, no models, keys or endpoints")
    }
}

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove one installed version of a pack.")

    @Argument(help: "NAME@VERSION.") var pack: String

    func run() throws {
        let parts = pack.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2, PackName.isSafe(parts[0]), SemVer(parts[1]) != nil else {
            throw ValidationError("give NAME@VERSION, e.g. banking77@1.0.0 (rpt list shows what is installed)")
        }
        try PackStore.standard().remove(parts[0], parts[1])
        print("removed \(parts[0]) \(parts[1])")
    }
}

struct Publish: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish a pack archive to a shared index folder (copies it and updates index.json).")

    @Argument(help: "An archive made by rpt pack.") var file: String
    @Option(help: "The index folder (made if missing).") var to: String

    func run() throws {
        let e = try PackIndex.publish(URL(fileURLWithPath: file), to: URL(fileURLWithPath: to))
        print("published \(e.name) \(e.version) to \(to)")
        print("  sha256 \(e.sha256)")
    }
}

struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Search a shared index for packs by name or description.")

    @Argument(help: "A word of the name or description (empty lists all).") var word: String = ""
    @Option(help: "The index: a folder or an http(s) URL (URL/index.json).") var from: String

    func run() async throws {
        let index = try await PackSource(from, fetcher: CurlFetcher()).index()
        let found = word.isEmpty ? index.packs : index.search(word)
        guard !found.isEmpty else { print("no pack in \(from) matches '\(word)'"); return }
        for e in found { print("\(e.name) \(e.version)  \(e.description)") }
    }
}
