// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "rpt",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rpt", targets: ["rpt"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4",
                       providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "StableHash"),
        .target(name: "JSONText"),
        .target(name: "DidYouMean"),
        .target(name: "LuaHost", dependencies: ["CLua", "JSONText"]),
        .target(name: "TaskPack", dependencies: ["LuaHost", "DidYouMean", "StableHash"]),
        .target(name: "ModelClient", dependencies: [
            "CCurl", "JSONText", "DidYouMean", "StableHash",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .target(name: "Tuning", dependencies: ["TaskPack", "ModelClient", "DidYouMean", "StableHash"]),
        .target(name: "PackSharing", dependencies: ["TaskPack", "JSONText", "StableHash"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .target(name: "MockModels", dependencies: ["JSONText", "StableHash", "TestSupport"], path: "Tests/MockModels"),
        .executableTarget(name: "rpt", dependencies: [
            "TaskPack", "ModelClient", "Tuning", "PackSharing", "DidYouMean",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "RptBench", dependencies: ["TaskPack", "ModelClient", "Tuning", "MockModels", "TestSupport"]),
        .testTarget(name: "LuaHostTests", dependencies: ["LuaHost", "TestSupport"]),
        .testTarget(name: "TaskPackTests", dependencies: ["TaskPack", "TestSupport"]),
        .testTarget(name: "ModelClientTests", dependencies: ["ModelClient", "JSONText", "MockModels", "TestSupport"]),
        .testTarget(name: "TuningTests", dependencies: ["Tuning", "MockModels", "TestSupport"]),
        .testTarget(name: "PackSharingTests", dependencies: ["PackSharing", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["PackSharing", "TaskPack", "ModelClient", "Tuning", "MockModels", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
