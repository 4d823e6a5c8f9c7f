import Foundation
import LuaHost
import Synchronization

/// An installed pack a run uses for its modules (one version per name in a run).
public struct ResolvedPack: Sendable, Equatable {
    public let name: String, version: String
    public let folder: URL
    /// The names of the packs it uses itself (its manifest's dependencies): its modules may
    /// require theirs, and nothing else outside its folder.
    public let dependencies: [String]
    public init(name: String, version: String, folder: URL, dependencies: [String]) {
        (self.name, self.version, self.folder, self.dependencies) = (name, version, folder, dependencies)
    }
}

/// Finds the packs a pack declares with `rpt.dependencies`. rpt passes the pack store's
/// (PackSharing); TaskPack knows no store, versions or archives.
public protocol DependencyResolver: Sendable {
    /// Every pack `declared` (name to version range) needs, directly or through others, one
    /// version per name. An error says what is missing or conflicting and what to run.
    func resolve(_ declared: [String: String]) throws -> [ResolvedPack]
}

/// The resolver packs load with when none is given: rpt sets the pack store's once at start.
public enum Dependencies {
    private static let current = Mutex<(any DependencyResolver)?>(nil)
    public static var resolver: (any DependencyResolver)? {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}

/// What a pack declared with `rpt.dependencies` and the packs chosen for it. It answers
/// `require` for every pack of the run: `support-common.labels` is `labels.lua` of the declared
/// pack support-common; a dependency's own requires reach only its folder and its own
/// dependencies, through the same file rules (PackFiles) as the pack's.
public final class PackDependencies {
    /// Name to version range, as task.lua declared them (empty when it declared none).
    public private(set) var declared: [String: String] = [:]
    /// The packs chosen, every one the run may load modules from.
    public private(set) var packs: [ResolvedPack] = []
    let root: URL
    let resolver: (any DependencyResolver)?

    init(root: URL, resolver: (any DependencyResolver)?) {
        self.root = root
        self.resolver = resolver
    }

    /// `rpt.dependencies { ["support-common"] = "^1.0" }`: returns the versions chosen.
    func declare(_ value: LuaValue?) throws(HostFunctionError) -> LuaValue {
        let usage = "rpt.dependencies expects a table of pack names and version ranges, e.g. { [\"support-common\"] = \"^1.0\" }"
        var table: [String: String] = [:]
        switch value {
        case .object(let o)?:
            guard o.count <= 64 else { throw HostFunctionError("rpt.dependencies: at most 64 packs, not \(o.count)") }
            for (name, range) in o {
                guard case .string(let r) = range, r.utf8.count <= 64 else { throw HostFunctionError("\(usage); '\(name)' is not") }
                table[name] = r
            }
        case .array(let items)? where items.isEmpty: break
        default: throw HostFunctionError(usage)
        }
        if !table.isEmpty {
            guard let resolver else { throw HostFunctionError("rpt.dependencies: this rpt has no pack store to find dependencies in") }
            do { packs = try resolver.resolve(table) } catch { throw HostFunctionError("\(error)") }
        }
        declared = table
        let chosen = Dictionary(packs.map { ($0.name, $0.version) }, uniquingKeysWith: { a, _ in a })
        return .object(table.keys.reduce(into: [:]) { $0[$1] = chosen[$1].map(LuaValue.string) ?? .null })
    }

    /// What `require name` from `requester` ("" the pack, else a dependency's name) finds.
    func module(_ name: String, requester: String) -> ModuleLookup {
        let byName = Dictionary(packs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let own = requester.isEmpty ? nil : byName[requester]
        if !requester.isEmpty && own == nil { return .refused("no pack \(requester) in this run") }
        let visible = own?.dependencies ?? Array(declared.keys)
        // The longest declared name the module starts with (pack names may hold '.').
        if let dep = visible.filter({ name == $0 || name.hasPrefix($0 + ".") }).max(by: { $0.count < $1.count }), let pack = byName[dep] {
            return Self.lookup(name == dep ? "init" : String(name.dropFirst(dep.count + 1)), in: pack)
        }
        guard let own else { return PackFiles.module(name, in: root) }
        return Self.lookup(name, in: own)
    }

    /// A module of an installed pack: named `NAME@VERSION/path` in messages, run in its environment.
    private static func lookup(_ inner: String, in pack: ResolvedPack) -> ModuleLookup {
        let label = "\(pack.name)@\(pack.version)/"
        switch PackFiles.module(inner, in: pack.folder) {
        case .found(let source, let path, _): return .found(source: source, path: label + path, owner: pack.name)
        case .missing(let path): return .missing(path: label + path)
        case .refused(let why): return .refused(label + why)
        }
    }

    /// After task.lua loaded and named its pack: a run that would use another version of the
    /// pack itself is a cycle (the pack needs something that needs it).
    func refuseCycle(through name: String) throws(PackLoadError) {
        guard packs.contains(where: { $0.name == name }) else { return }
        // The shortest chain from what task.lua declared to the pack's own name, for the message.
        var queue = declared.keys.sorted(), seen = Set(queue), parent: [String: String] = [:]
        var i = 0
        while i < queue.count, !seen.contains(name) {
            let n = queue[i]; i += 1
            for d in (packs.first { $0.name == n }?.dependencies ?? []).sorted() where seen.insert(d).inserted {
                parent[d] = n; queue.append(d)
            }
        }
        var chain = [name]
        while let p = parent[chain[0]] { chain.insert(p, at: 0) }
        throw PackLoadError(problems: [PackError("task.lua", "a dependency cycle: \(([name] + chain).joined(separator: " → ")): "
                                                 + "a pack cannot depend on itself, directly or through other packs")])
    }
}
