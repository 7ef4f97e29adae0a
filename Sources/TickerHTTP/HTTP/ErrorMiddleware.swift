import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import TickerConfig
import TickerCore
import TickerRuntime
import TickerStorage

/// Turns every error into the JSON error shape with a fitting status, marks every response
/// `X-Content-Type-Options: nosniff`, and counts requests.
package struct ErrorMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext
    let metrics: TickerMetrics
    /// Every registered route, filled in once the router is built; tells 405 from 404.
    let routes: RouteList

    package init(metrics: TickerMetrics, routes: RouteList) {
        self.metrics = metrics
        self.routes = routes
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            var mapped = Self.map(error, logger: context.logger)
            if mapped.status == .notFound, mapped.code == .notFound, context.endpointPath == "NotFound" {
                let allowed = routes.methods(matching: request.uri.path)
                if !allowed.isEmpty {
                    mapped = APIError(status: .methodNotAllowed, code: .methodNotAllowed,
                                      message: "\(request.method.rawValue) is not allowed here; use \(allowed.joined(separator: ", "))",
                                      headers: [.allow: allowed.joined(separator: ", ")])
                }
            }
            response = mapped.response
        }
        response.headers[HotRoutes.noSniff.name] = HotRoutes.noSniff.value
        metrics.httpRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code)
        return response
    }

    static func map(_ error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as ConfigurationError:
            let issues = JSONValue.array(error.issues.map { issue in
                .object(["source": .string(issue.source), "key": issue.key.map(JSONValue.string) ?? .null, "reason": .string(issue.reason)])
            })
            return APIError(status: .unprocessableContent, code: .invalidConfiguration, message: error.description, details: ["issues": issues])
        case StoreError.notFound(let id):
            return .notFound("no message with id \(id)")
        case StoreError.noRecord(let id):
            return .notFound("no audit record with id \(id)")
        case StoreError.conflict(let reason):
            return APIError(status: .conflict, code: .conflict, message: reason)
        case StoreError.unavailable(let reason):
            logger.error("storage unavailable", metadata: ["error": "\(reason)"])
            return APIError(status: .serviceUnavailable, code: .storageUnavailable, message: "the database is unavailable")
        case let error as HTTPParserError:
            // A client's malformed body (bad chunk sizes…) is its mistake, not ours: no error-level line.
            logger.info("malformed request body", metadata: ["error": "\(error)"])
            return .badRequest("the request body is malformed (\(error))")
        case is NIOTooManyBytesError:
            return APIError(status: .contentTooLarge, code: .payloadTooLarge, message: "the request body is too large")
        case let error as HTTPError:
            let code: ErrorCode = switch error.status {
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .contentTooLarge: .payloadTooLarge
            case .unsupportedMediaType: .unsupportedMediaType
            default: error.status.code < 500 ? .badRequest : .internalError
            }
            let message = error.status == .notFound ? "no such route" : (error.body ?? error.status.reasonPhrase)
            return APIError(status: error.status, code: code, message: message)
        default:
            logger.error("unhandled error", metadata: ["error": "\(String(describing: type(of: error)))"])
            return APIError(status: .internalServerError, code: .internalError, message: "internal error")
        }
    }
}
