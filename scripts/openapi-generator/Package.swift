// swift-tools-version: 6.2
// Only for scripts/check-generated: builds swift-openapi-generator's command line tool in a
// package of its own, so the service's build never compiles the generator or its dependencies.
import PackageDescription

let package = Package(
    name: "openapi-generator-tool",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
    ]
)
