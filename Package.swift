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
    ],
    targets: [
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4",
                       providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "LuaHost", dependencies: ["CLua"]),
        .target(name: "TaskPack", dependencies: ["LuaHost"]),
        .executableTarget(name: "rpt", dependencies: [
            "TaskPack",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "RptBench", dependencies: ["TaskPack"]),
        .testTarget(name: "LuaHostTests", dependencies: ["LuaHost"]),
        .testTarget(name: "TaskPackTests", dependencies: ["TaskPack"]),
        .testTarget(name: "CLITests", dependencies: ["TaskPack"]),
    ],
    swiftLanguageModes: [.v6]
)
