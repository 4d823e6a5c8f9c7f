import Foundation
import JSONText

/// The tuning history a pack ships (its history.json, as `rpt export` writes it), carried in the
/// manifest so `rpt show` and an index show it without unpacking. PackSharing keeps it as JSON it
/// does not interpret: what it means is the tuning's, which reads it strictly before showing or
/// using any of it (rpt install checks it equals the pack's history.json).
public struct ManifestHistory: Codable, Sendable, Equatable {
    public var json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { json = .null }
        else if let b = try? c.decode(Bool.self) { json = .bool(b) }
        else if let i = try? c.decode(Int64.self) { json = .int(i) }
        else if let d = try? c.decode(Double.self) { json = .double(d) }
        else if let s = try? c.decode(String.self) { json = .string(s) }
        else if let a = try? c.decode([ManifestHistory].self) { json = .array(a.map(\.json)) }
        else { json = .object(try c.decode([String: ManifestHistory].self).mapValues(\.json)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch json {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a.map(ManifestHistory.init))
        case .object(let o): try c.encode(o.mapValues(ManifestHistory.init))
        }
    }
}
