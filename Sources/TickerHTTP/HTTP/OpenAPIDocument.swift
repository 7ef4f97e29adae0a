import Foundation

/// The OpenAPI 3 description of every route (`Resources/openapi.json`, embedded in the binary),
/// served at `/openapi.json`. The tests check the router against its paths and decode every
/// documented response through types generated from the same file.
enum OpenAPIDocument {
    static let bytes = Data(PackageResources.openapi_json)
}
