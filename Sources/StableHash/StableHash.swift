/// Hashes and a generator that give the same numbers on every run, machine and Swift version:
/// carved splits, seeded samples, the bootstrap, cache rows and the tests' scripted models
/// depend on them. Swift's `Hasher` is seeded per process, so it cannot serve here.

/// FNV-1a, 64 bits: short, fast on short keys, and its values are fixed by the published
/// constants. Not for anything an attacker chooses to collide.
public enum FNV1a {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var h = offsetBasis
        for b in bytes {
            h ^= UInt64(b)
            h &*= prime
        }
        return h
    }

    /// The hash of the text's UTF-8 bytes.
    public static func hash(_ text: String) -> UInt64 { hash(text.utf8) }
}

/// SplitMix64: a small seeded generator with good statistics, so samples and bootstrap
/// intervals come out the same for the same seed.
public struct SplitMix: RandomNumberGenerator, Sendable {
    var state: UInt64

    public init(_ seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
