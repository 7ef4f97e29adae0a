// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "ai-ticker",
    // Linux only (Glibc, and prctl/posix_spawn details in CSpawn): no Apple platform is listed.
    products: [
        .library(name: "AITicker", targets: ["AITicker"]),
        .executable(name: "ai-ticker", targets: ["ai-ticker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // The shared database of several instances; NIOSSL for its TLS settings (already a dependency of postgres-nio).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Already dependencies of Hummingbird and AsyncHTTPClient; named so each target lists what it imports.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // The client of TickerClient, generated from the contract and committed (scripts/check-generated).
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
    ],
    targets: [
        // The vocabulary every other target shares (messages, attempts, ticks, error classes,
        // JSON, time, a timeout): no I/O, no dependency.
        .target(name: "TickerCore"),
        // Every configuration key, its layers and its checks; the admin token and secret files.
        .target(name: "TickerConfig", dependencies: [
            "TickerCore",
            .product(name: "Configuration", package: "swift-configuration"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The provider contract, the built-in providers, plugins outside the binary, the router.
        .target(
            name: "TickerProviders",
            dependencies: [
                "TickerCore", "TickerConfig", "CSpawn",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            resources: ["python_host.py", "offline_corpus.txt", "scaffold/plugin.json", "scaffold/plugin.py",
                        "scaffold/Package.swift.txt", "scaffold/main.swift.txt"].map { .embedInCode("Resources/\($0)") }
        ),
        // The message store, SQLite's implementation, and what instances of one database share.
        .target(name: "TickerStorage", dependencies: [
            "TickerCore", "TickerConfig",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // PostgreSQL, the shared database of several instances: its store, leader lock and follower.
        .target(name: "TickerPostgres", dependencies: [
            "TickerCore", "TickerConfig", "TickerStorage",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The tick, the timer, health checks, reloads, metrics, systemd and the log.
        .target(name: "TickerRuntime", dependencies: [
            "TickerCore", "TickerConfig", "TickerProviders", "TickerStorage",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        // The REST API and the connections under it.
        .target(
            name: "TickerHTTP",
            dependencies: [
                "TickerCore", "TickerConfig", "TickerProviders", "TickerStorage", "TickerRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: ["openapi.json", "page/index.html", "page/ticker.js", "page/ticker.css", "page/favicon.svg", "page/wall.html", "page/wall.js",
                        "page/wall.css", "page/embed.js", "page/console.html", "page/console.js", "page/console.css"]
                .map { .embedInCode("Resources/\($0)") }
        ),
        // The library: wires the targets above into a service (and re-exports them).
        .target(
            name: "AITicker",
            dependencies: [
                "TickerCore", "TickerConfig", "TickerProviders", "TickerStorage", "TickerPostgres", "TickerRuntime", "TickerHTTP", "CSpawn",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Types and a client generated from Sources/TickerHTTP/Resources/openapi.json, committed
        // (scripts/check-generated fails when they differ): the CLI's remote commands and the tests use them.
        .target(name: "TickerClient", dependencies: [
            .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
        ]),
        // posix_spawn with a working directory, a new process group and reset signals, for plugins.
        .target(name: "CSpawn"),
        .executableTarget(
            name: "ai-ticker",
            dependencies: [
                "AITicker", "TickerClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "custom-ticker",
            dependencies: [
                "AITicker",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/CustomTicker"
        ),
        .executableTarget(
            name: "guardrail-bench",
            dependencies: ["TickerRuntime", "TickerConfig"],
            path: "Benchmarks/Guardrails"
        ),
        .executableTarget(
            name: "bench-reference",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/Reference"
        ),
        .testTarget(
            name: "PublicAPITests",
            dependencies: [
                "AITicker",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "AITickerTests",
            dependencies: [
                "AITicker", "TickerCore", "TickerConfig", "TickerProviders", "TickerStorage", "TickerPostgres", "TickerRuntime", "TickerHTTP", "TickerClient",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
            ]
        ),
    ]
)
