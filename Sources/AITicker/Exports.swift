// The library's public face is the one `AITicker` module: a Swift package that embeds the
// service (Examples/CustomTicker) imports it alone and sees the public API of every target.
@_exported import TickerConfig
@_exported import TickerCore
@_exported import TickerHTTP
@_exported import TickerPostgres
@_exported import TickerProviders
@_exported import TickerRuntime
@_exported import TickerStorage
