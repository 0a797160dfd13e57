// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "portcullis",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "portcullis", targets: ["portcullis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
    ],
    targets: [
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        // Crypto primitives (HOTP/TOTP, Argon2id, AES-GCM at rest, constant-time comparison, encodings): the only
        // target that links libargon2.
        .target(
            name: "PortcullisCrypto",
            dependencies: [
                "CArgon2",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // WebAuthn ceremony checks on bytes and the browser's JSON: CBOR, COSE keys, authenticator data, attestation
        // certificates (swift-certificates). Knows nothing of users or factors.
        .target(
            name: "PortcullisWebAuthn",
            dependencies: [
                "PortcullisCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // Hardware-token seed files (CSV, PSKC): bytes in, plain `ImportedToken` values or every problem out.
        .target(
            name: "PortcullisTokenImport",
            dependencies: [
                "PortcullisCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "PortcullisCore",
            dependencies: [
                "PortcullisCrypto",
                "PortcullisWebAuthn",
                "PortcullisTokenImport",
            ]
        ),
        .target(
            name: "PortcullisStore",
            dependencies: [
                "PortcullisCore",
                "PortcullisCrypto",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PortcullisDelivery",
            dependencies: [
                "PortcullisCore",
                "PortcullisCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The composition root: every service built once from the configuration, for the web server, the CLI and the
        // tests. The fronts see services only, never a repository or the database.
        .target(
            name: "PortcullisApp",
            dependencies: [
                "PortcullisCore",
                "PortcullisCrypto",
                "PortcullisStore",
                "PortcullisDelivery",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("MessageTemplates"), .copy("PasswordBlocklist")]
        ),
        // The admin REST API's types and server side, generated from openapi.yaml by swift-openapi-generator and committed
        // (scripts/check-generated-api.sh); PortcullisWeb implements and serves it.
        .target(
            name: "PortcullisAdminAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")]
        ),
        .target(
            name: "PortcullisWeb",
            dependencies: [
                "PortcullisAdminAPI",
                "PortcullisCore",
                "PortcullisCrypto",
                "PortcullisWebAuthn",
                "PortcullisTokenImport",
                "PortcullisApp",
                "PortcullisDelivery",
                "CQREncode",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            ],
            resources: [.copy("Templates"), .copy("Static")]
        ),
        .executableTarget(
            name: "portcullis",
            dependencies: [
                "PortcullisCore",
                "PortcullisCrypto",
                "PortcullisTokenImport",
                "PortcullisApp",
                "PortcullisWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "portcullis-bench",
            dependencies: ["PortcullisCore", "PortcullisCrypto", "PortcullisWebAuthn", "PortcullisStore", "PortcullisTestSupport", "PortcullisTestKit",
                           .product(name: "Crypto", package: "swift-crypto")],
            path: "bench"
        ),
        // Test helpers that know nothing of the domain (running oathtool, fuzzing, capturing logs, the CBOR encoder),
        // so the crypto and WebAuthn tests build without the domain, the store or the app.
        .target(
            name: "PortcullisTestKit",
            dependencies: ["PortcullisWebAuthn", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Kit"
        ),
        // Databases on both engines and the services over them, for the domain, store, app and web tests.
        .target(
            name: "PortcullisTestSupport",
            dependencies: ["PortcullisCore", "PortcullisCrypto", "PortcullisWebAuthn", "PortcullisStore", "PortcullisApp", "PortcullisTestKit",
                           .product(name: "SQLKit", package: "sql-kit"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support"
        ),
        .testTarget(name: "PortcullisCryptoTests", dependencies: ["PortcullisCrypto", "PortcullisTestKit"]),
        .testTarget(
            name: "PortcullisWebAuthnTests",
            dependencies: ["PortcullisWebAuthn", "PortcullisCrypto", "PortcullisTestKit"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "PortcullisTokenImportTests", dependencies: ["PortcullisTokenImport", "PortcullisCrypto"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PortcullisCoreTests", dependencies: ["PortcullisCore", "PortcullisTestSupport"]),
        .testTarget(
            name: "PortcullisDeliveryTests",
            dependencies: [
                "PortcullisDelivery", "PortcullisCore", "PortcullisTestSupport", "PortcullisTestKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["smtp_server.py"]
        ),
        // The composition root's own parts: configuration sections read through one reader, SMS and SMTP settings.
        .testTarget(
            name: "PortcullisAppTests",
            dependencies: ["PortcullisApp", "PortcullisCore", "PortcullisCrypto", "PortcullisDelivery", "PortcullisTestSupport"]
        ),
        .testTarget(name: "PortcullisStoreTests", dependencies: ["PortcullisStore", "PortcullisApp", "PortcullisCore", "PortcullisTestSupport"]),
        // The domain's services through the composition root, without HTTP, on SQLite and PostgreSQL.
        .testTarget(
            name: "PortcullisDomainTests",
            dependencies: ["PortcullisStore", "PortcullisApp", "PortcullisCore", "PortcullisCrypto", "PortcullisTokenImport", "PortcullisTestSupport",
                           "PortcullisTestKit"]
        ),
        .testTarget(
            name: "PortcullisWebTests",
            dependencies: [
                "PortcullisWeb", "PortcullisApp", "PortcullisStore", "PortcullisCore", "PortcullisCrypto", "PortcullisTestSupport",
                "PortcullisTestKit", "PortcullisDelivery", "PortcullisAdminAPI",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["soft_authenticator.py"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
