import Foundation

/// Chooses the packs a pack needs, directly or through others: one version of each name for a
/// whole run (a module is loaded once, whichever pack requires it), the highest that every pack
/// asking for it accepts. No backtracking: packs are visited in name order, and a later pack
/// that rejects a version already chosen is a conflict, explained with who asked for what. A
/// pack that needs itself, directly or through others, is a cycle.
public struct DependencyResolution {
    /// A version that could be chosen: installed, or listed in an index to be fetched.
    public struct Candidate: Sendable, Equatable {
        public let name: String, version: String
        public let dependencies: [String: String]
        public let installed: Bool
        public init(name: String, version: String, dependencies: [String: String], installed: Bool) {
            (self.name, self.version, self.dependencies, self.installed) = (name, version, dependencies, installed)
        }
        var label: String { "\(name) \(version)" }

        /// The installed versions of `name`, with their manifests' dependencies.
        static func installed(_ name: String, in store: [PackStore.Installed]) -> [Candidate] {
            store.filter { $0.manifest.name == name }
                .map { Candidate(name: name, version: $0.manifest.version, dependencies: $0.manifest.dependencies, installed: true) }
        }
    }

    /// The versions there are of a name.
    let candidates: (String) -> [Candidate]
    /// The message for a pack no candidate satisfies: (name, range, who asks, versions there are).
    let unavailable: (String, String, String, [String]) -> String
    private var chosen: [String: Candidate] = [:]
    private var asks: [String: [(by: String, range: VersionRange)]] = [:]
    private var order: [Candidate] = []

    /// Every pack `needs` leads to, each after the packs it needs. `root` names the pack that
    /// asks in messages; `rootName`, when known, may not be needed back (a cycle).
    public static func resolve(root: String, rootName: String?, needs: [String: String],
                               candidates: @escaping (String) -> [Candidate],
                               unavailable: @escaping (String, String, String, [String]) -> String) throws(PackStoreError) -> [Candidate] {
        var r = DependencyResolution(candidates: candidates, unavailable: unavailable)
        try r.visit(root, needs, path: rootName.map { [$0] } ?? [])
        return r.order
    }

    private mutating func visit(_ by: String, _ needs: [String: String], path: [String]) throws(PackStoreError) {
        try Manifest.checkDependencies(needs, of: by)
        for (name, text) in needs.sorted(by: { $0.key < $1.key }) {
            let range = VersionRange(text)!                  // checked above
            if let start = path.firstIndex(of: name) {
                throw PackStoreError("a dependency cycle: \((path[start...] + [name]).joined(separator: " → ")): "
                                     + "a pack cannot depend on itself, directly or through other packs")
            }
            asks[name, default: []].append((by, range))
            if let had = chosen[name] {
                guard range.matches(SemVer(had.version)!) else { throw conflict(name) }
                continue
            }
            let all = candidates(name).filter { $0.name == name && SemVer($0.version) != nil }
            let fits = all.filter { c in asks[name]!.allSatisfy { $0.range.matches(SemVer(c.version)!) } }
            // The highest; of the same version, the one installed (nothing to fetch).
            guard let best = fits.max(by: { (SemVer($0.version)!, $0.installed ? 1 : 0) < (SemVer($1.version)!, $1.installed ? 1 : 0) }) else {
                if asks[name]!.count > 1, all.contains(where: { range.matches(SemVer($0.version)!) }) { throw conflict(name) }
                throw PackStoreError(unavailable(name, text, by, Self.versions(all)))
            }
            chosen[name] = best
            try visit(best.label, best.dependencies, path: path + [name])
            order.append(best)
        }
    }

    private func conflict(_ name: String) -> PackStoreError {
        let who = (asks[name] ?? []).map { "\($0.by) needs \(name) \($0.range)" }.joined(separator: ", ")
        let there = Self.versions(candidates(name).filter { $0.name == name })
        return PackStoreError("conflicting versions of \(name): \(who); one run uses one version of each pack, and none of "
                              + (there.isEmpty ? "them is there" : "\(there.joined(separator: ", ")) suits all")
                              + ". Install versions whose ranges agree (rpt search \(name) --from DIR|URL shows what there is)")
    }

    private static func versions(_ cs: [Candidate]) -> [String] {
        Array(Set(cs.map(\.version))).compactMap(SemVer.init).sorted().map(\.description)
    }
}
