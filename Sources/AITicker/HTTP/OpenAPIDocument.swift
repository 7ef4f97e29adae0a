/// The OpenAPI 3 description of every route, served at `/openapi.json`.
/// A test checks that its paths and the router's routes are the same set.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "ai-ticker",
    "version": "1.0.0",
    "description": "REST API of ai-ticker: the latest AI-generated ticker message, history, providers, plugins, configuration and reload. Admin routes always need `Authorization: Bearer <token>`: TICKER_ADMIN_TOKEN, or the token the service creates in its state directory (admin_token) on first start. Only operational settings can be changed at runtime."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:8080"
    }
  ],
  "paths": {
    "/api/message": {
      "get": {
        "summary": "Latest message, original shape",
        "operationId": "getMessage",
        "parameters": [
          {
            "name": "If-None-Match",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Latest message",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/MessageSummary"
                }
              }
            },
            "headers": {
              "ETag": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "304": {
            "description": "Not modified"
          },
          "404": {
            "description": "No message yet",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: latest message, original shape",
        "operationId": "getMessageHead",
        "parameters": [
          {
            "name": "If-None-Match",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Latest message",
            "headers": {
              "ETag": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "304": {
            "description": "Not modified"
          },
          "404": {
            "description": "No message yet"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    },
    "/api/messages/latest": {
      "get": {
        "summary": "Latest full message record",
        "operationId": "getLatestMessage",
        "responses": {
          "200": {
            "description": "Latest record",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Message"
                }
              }
            }
          },
          "404": {
            "description": "No message yet",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: latest full message record",
        "operationId": "getLatestMessageHead",
        "responses": {
          "200": {
            "description": "Latest record"
          },
          "404": {
            "description": "No message yet"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    },
    "/api/messages": {
      "get": {
        "summary": "History, newest first",
        "operationId": "listMessages",
        "parameters": [
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 200,
              "default": 20
            }
          },
          {
            "name": "before",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 1
            }
          }
        ],
        "responses": {
          "200": {
            "description": "A page of messages",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/MessagePage"
                }
              }
            }
          },
          "400": {
            "description": "Bad query parameter",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: history, newest first",
        "operationId": "listMessagesHead",
        "parameters": [
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 200,
              "default": 20
            }
          },
          {
            "name": "before",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 1
            }
          }
        ],
        "responses": {
          "200": {
            "description": "A page of messages"
          },
          "400": {
            "description": "Bad query parameter"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    },
    "/api/messages/{id}": {
      "get": {
        "summary": "One message with its attempts",
        "operationId": "getMessageById",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 1
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The message",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Message"
                }
              }
            }
          },
          "400": {
            "description": "Bad id",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such message",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: one message with its attempts",
        "operationId": "getMessageByIdHead",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 1
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The message"
          },
          "400": {
            "description": "Bad id"
          },
          "404": {
            "description": "No such message"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    },
    "/api/messages/generate": {
      "post": {
        "summary": "Run one tick now (admin)",
        "operationId": "generateMessage",
        "security": [
          {
            "bearer": []
          },
          {}
        ],
        "responses": {
          "201": {
            "description": "The new message",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Message"
                }
              }
            }
          },
          "401": {
            "description": "Not authorised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/ForbiddenOrigin"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "A tick is already running",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          },
          "502": {
            "description": "Every provider failed",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "No provider available, or the message could not be stored",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/api/ticks": {
      "get": {
        "summary": "Recent ticks, newest first, with every attempt: who was skipped and why, who was tried, what happened",
        "operationId": "listTicks",
        "parameters": [
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 200,
              "default": 20
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Ticks",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "ticks"
                  ],
                  "properties": {
                    "ticks": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/TickRecord"
                      }
                    }
                  }
                }
              }
            }
          },
          "400": {
            "description": "Bad limit",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: recent ticks, newest first, with every attempt: who was skipped and why, who was tried, what happened",
        "operationId": "listTicksHead",
        "parameters": [
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 200,
              "default": 20
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Ticks"
          },
          "400": {
            "description": "Bad limit"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    },
    "/api/health": {
      "get": {
        "summary": "Service health; never calls a provider",
        "operationId": "getHealth",
        "responses": {
          "200": {
            "description": "ok or degraded",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          },
          "503": {
            "description": "down",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          }
        }
      },
      "head": {
        "summary": "Headers only of: service health; never calls a provider",
        "operationId": "getHealthHead",
        "responses": {
          "200": {
            "description": "ok or degraded"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          },
          "503": {
            "description": "down"
          }
        }
      }
    },
    "/api/providers": {
      "get": {
        "summary": "Configured providers with health",
        "operationId": "listProviders",
        "responses": {
          "200": {
            "description": "Providers",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ProviderList"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: configured providers with health",
        "operationId": "listProvidersHead",
        "responses": {
          "200": {
            "description": "Providers"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    },
    "/api/plugins": {
      "get": {
        "summary": "Known plugins",
        "operationId": "listPlugins",
        "responses": {
          "200": {
            "description": "Plugins",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PluginList"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: known plugins",
        "operationId": "listPluginsHead",
        "responses": {
          "200": {
            "description": "Plugins"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    },
    "/api/providers/reload": {
      "post": {
        "summary": "Re-read configuration and rebuild providers (admin)",
        "operationId": "reloadProviders",
        "security": [
          {
            "bearer": []
          },
          {}
        ],
        "parameters": [
          {
            "name": "dry_run",
            "in": "query",
            "required": false,
            "schema": {
              "type": "boolean"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Reloaded (or validated)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ReloadResult"
                }
              }
            }
          },
          "400": {
            "description": "Bad parameter",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not authorised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/ForbiddenOrigin"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          },
          "422": {
            "description": "Invalid configuration; the running one stays",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          }
        }
      }
    },
    "/api/config": {
      "get": {
        "summary": "Effective configuration with sources (admin)",
        "operationId": "getConfig",
        "security": [
          {
            "bearer": []
          },
          {}
        ],
        "responses": {
          "200": {
            "description": "Effective configuration",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Config"
                }
              }
            }
          },
          "401": {
            "description": "Not authorised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/ForbiddenOrigin"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          }
        }
      },
      "head": {
        "summary": "Headers only of: effective configuration with sources (admin)",
        "operationId": "getConfigHead",
        "security": [
          {
            "bearer": []
          },
          {}
        ],
        "responses": {
          "200": {
            "description": "Effective configuration"
          },
          "401": {
            "description": "Not authorised"
          },
          "403": {
            "description": "A browser request from another web origin (see server.allowed_origins)"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          },
          "429": {
            "description": "Too many failed authentications from this client, or server.rate_limit_api spent",
            "headers": {
              "Retry-After": {
                "description": "Seconds until the client may try again",
                "schema": {
                  "type": "integer",
                  "minimum": 1
                }
              }
            }
          }
        }
      },
      "patch": {
        "summary": "Set or remove (null) runtime overrides (admin)",
        "operationId": "patchConfig",
        "security": [
          {
            "bearer": []
          },
          {}
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "minProperties": 1,
                "description": "Configuration keys (e.g. ticker.interval_seconds, plugins.<id>.priority) mapped to their new value; null removes the override. Only operational knobs can be set (enabled, priority, intervals, thresholds, timeouts, model, temperature, max_tokens, fallback_behavior, logging.level); paths, programs, plugin kinds, interpreters, base URLs, key files and secrets are refused (422), and values are validated against their key's type and range (422). Removing (null) is always allowed.",
                "propertyNames": {
                  "pattern": "^(ticker|global_settings|logging|plugins)\\.[A-Za-z0-9_.-]+$"
                },
                "additionalProperties": {
                  "nullable": true,
                  "oneOf": [
                    {
                      "type": "string"
                    },
                    {
                      "type": "number"
                    },
                    {
                      "type": "boolean"
                    },
                    {
                      "type": "array",
                      "items": {
                        "type": "string"
                      }
                    }
                  ]
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Effective configuration",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Config"
                }
              }
            }
          },
          "400": {
            "description": "Not a JSON object",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Not authorised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/ForbiddenOrigin"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body too large",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          },
          "422": {
            "description": "Invalid override",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          }
        }
      }
    },
    "/api/config/{key}": {
      "delete": {
        "summary": "Remove a runtime override (admin)",
        "operationId": "deleteConfig",
        "security": [
          {
            "bearer": []
          },
          {}
        ],
        "parameters": [
          {
            "name": "key",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Effective configuration",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Config"
                }
              }
            }
          },
          "401": {
            "description": "Not authorised",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/ForbiddenOrigin"
          },
          "404": {
            "description": "No such override",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          },
          "422": {
            "description": "Removing it would make the configuration invalid",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics",
        "operationId": "getMetrics",
        "responses": {
          "200": {
            "description": "Prometheus text format",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: prometheus metrics",
        "operationId": "getMetricsHead",
        "responses": {
          "200": {
            "description": "Prometheus text format"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "summary": "This document",
        "operationId": "getOpenAPI",
        "responses": {
          "200": {
            "description": "OpenAPI 3 document",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: this document",
        "operationId": "getOpenAPIHead",
        "responses": {
          "200": {
            "description": "OpenAPI 3 document"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    },
    "/api/stream": {
      "get": {
        "summary": "Server-Sent Events: the latest message on connect (or those missed since Last-Event-ID, at most 100), then every new message; `id:` is the message id, `event: message`, `data:` the record; a heartbeat comment every server.stream_heartbeat_seconds",
        "operationId": "streamMessages",
        "parameters": [
          {
            "name": "Last-Event-ID",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9]+$"
            }
          },
          {
            "name": "last_event_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0
            }
          }
        ],
        "responses": {
          "200": {
            "description": "An event stream",
            "content": {
              "text/event-stream": {
                "schema": {
                  "type": "object",
                  "description": "One event: a message (id = message id, event = message, data = the Message record as JSON) or the retry hint.",
                  "properties": {
                    "id": {
                      "type": "string",
                      "pattern": "^[0-9]+$"
                    },
                    "event": {
                      "type": "string",
                      "enum": [
                        "message"
                      ]
                    },
                    "data": {
                      "type": "string"
                    },
                    "retry": {
                      "type": "integer"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "description": "Bad Last-Event-ID",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          },
          "503": {
            "description": "Too many stream clients",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      },
      "head": {
        "summary": "Headers only of: server-Sent Events: the latest message on connect (or those missed since Last-Event-ID, at most 100), then every new message; `id:` is the message id, `event: message`, `data:` the record; a heartbeat comment every server.stream_heartbeat_seconds",
        "operationId": "streamMessagesHead",
        "parameters": [
          {
            "name": "Last-Event-ID",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "pattern": "^[0-9]+$"
            }
          },
          {
            "name": "last_event_id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0
            }
          }
        ],
        "responses": {
          "200": {
            "description": "An event stream"
          },
          "400": {
            "description": "Bad Last-Event-ID"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          },
          "503": {
            "description": "Too many stream clients"
          }
        }
      }
    },
    "/": {
      "get": {
        "summary": "The ticker page (query: theme=dark|light, mode=fade|scroll, speed=0.1\u201310)",
        "operationId": "tickerPage",
        "responses": {
          "200": {
            "description": "The ticker page (query: theme=dark|light, mode=fade|scroll, speed=0.1\u201310)",
            "content": {
              "text/html": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: the ticker page (query: theme=dark|light, mode=fade|scroll, speed=0.1\u201310)",
        "operationId": "tickerPageHead",
        "responses": {
          "200": {
            "description": "The ticker page (query: theme=dark|light, mode=fade|scroll, speed=0.1\u201310)"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    },
    "/assets/ticker.js": {
      "get": {
        "summary": "The ticker page's script",
        "operationId": "tickerScript",
        "responses": {
          "200": {
            "description": "The ticker page's script",
            "content": {
              "text/javascript": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: the ticker page's script",
        "operationId": "tickerScriptHead",
        "responses": {
          "200": {
            "description": "The ticker page's script"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    },
    "/assets/ticker.css": {
      "get": {
        "summary": "The ticker page's style",
        "operationId": "tickerStyle",
        "responses": {
          "200": {
            "description": "The ticker page's style",
            "content": {
              "text/css": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: the ticker page's style",
        "operationId": "tickerStyleHead",
        "responses": {
          "200": {
            "description": "The ticker page's style"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    },
    "/assets/favicon.svg": {
      "get": {
        "summary": "The ticker page's icon",
        "operationId": "tickerIcon",
        "responses": {
          "200": {
            "description": "The icon",
            "content": {
              "image/svg+xml": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "421": {
            "$ref": "#/components/responses/MisdirectedRequest"
          }
        }
      },
      "head": {
        "summary": "Headers only of: the ticker page's icon",
        "operationId": "tickerIconHead",
        "responses": {
          "200": {
            "description": "The icon"
          },
          "405": {
            "description": "Method not allowed here; the Allow header lists the ones that are"
          },
          "421": {
            "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)"
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer"
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "type": "object",
            "required": [
              "code",
              "message"
            ],
            "properties": {
              "code": {
                "type": "string"
              },
              "message": {
                "type": "string"
              }
            },
            "additionalProperties": true
          }
        }
      },
      "Usage": {
        "type": "object",
        "required": [
          "prompt_tokens",
          "completion_tokens",
          "total_tokens"
        ],
        "properties": {
          "prompt_tokens": {
            "type": "integer"
          },
          "completion_tokens": {
            "type": "integer"
          },
          "total_tokens": {
            "type": "integer"
          }
        }
      },
      "Attempt": {
        "type": "object",
        "required": [
          "provider",
          "outcome",
          "duration_ms"
        ],
        "properties": {
          "provider": {
            "type": "string"
          },
          "outcome": {
            "type": "string",
            "enum": [
              "success",
              "failure",
              "rejected",
              "skipped"
            ]
          },
          "error_class": {
            "type": "string"
          },
          "detail": {
            "type": "string"
          },
          "duration_ms": {
            "type": "number"
          }
        }
      },
      "MessageSummary": {
        "type": "object",
        "required": [
          "message",
          "id",
          "provider",
          "model",
          "created_at",
          "source"
        ],
        "properties": {
          "message": {
            "type": "string"
          },
          "source": {
            "type": "string",
            "enum": [
              "generated",
              "archive",
              "import"
            ]
          },
          "id": {
            "type": "integer",
            "format": "int64"
          },
          "provider": {
            "type": "string"
          },
          "model": {
            "type": "string"
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "Message": {
        "type": "object",
        "required": [
          "id",
          "content",
          "provider",
          "provider_name",
          "model",
          "usage",
          "profile",
          "latency_ms",
          "created_at",
          "source",
          "attempts"
        ],
        "properties": {
          "id": {
            "type": "integer",
            "format": "int64"
          },
          "content": {
            "type": "string",
            "minLength": 1
          },
          "provider": {
            "type": "string"
          },
          "provider_name": {
            "type": "string"
          },
          "model": {
            "type": "string"
          },
          "usage": {
            "$ref": "#/components/schemas/Usage"
          },
          "finish_reason": {
            "type": "string"
          },
          "response_id": {
            "type": "string"
          },
          "profile": {
            "type": "string"
          },
          "latency_ms": {
            "type": "number"
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          },
          "source": {
            "type": "string",
            "enum": [
              "generated",
              "archive",
              "import"
            ],
            "description": "generated by a tick; archive: re-published when every provider failed; import: from the original AI-Ticker's message cache"
          },
          "attempts": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Attempt"
            }
          }
        }
      },
      "MessagePage": {
        "type": "object",
        "required": [
          "messages",
          "next_before"
        ],
        "properties": {
          "messages": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Message"
            }
          },
          "next_before": {
            "type": "integer",
            "format": "int64",
            "nullable": true
          }
        }
      },
      "TickRecord": {
        "type": "object",
        "required": [
          "started_at",
          "finished_at",
          "trigger",
          "outcome",
          "attempts"
        ],
        "properties": {
          "started_at": {
            "type": "string",
            "format": "date-time"
          },
          "finished_at": {
            "type": "string",
            "format": "date-time"
          },
          "trigger": {
            "type": "string"
          },
          "outcome": {
            "type": "string",
            "enum": [
              "stored",
              "archived",
              "failed",
              "storage_failed",
              "skipped"
            ]
          },
          "message_id": {
            "type": "integer",
            "format": "int64"
          },
          "attempts": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Attempt"
            }
          }
        }
      },
      "Health": {
        "type": "object",
        "required": [
          "status",
          "database",
          "scheduler",
          "providers"
        ],
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "ok",
              "degraded",
              "down"
            ]
          },
          "database": {
            "type": "object",
            "required": [
              "ok",
              "writable",
              "path"
            ],
            "properties": {
              "ok": {
                "type": "boolean"
              },
              "path": {
                "type": "string"
              },
              "problem": {
                "type": "string",
                "description": "Why nothing is stored until a restart or a repair: opened read-only, failed its integrity check, or its file (or lock file) removed or replaced while running. Absent when writes can go ahead."
              },
              "writable": {
                "type": "boolean",
                "description": "False while problem is set, or since the last write failed (disk full) until one succeeds."
              }
            }
          },
          "scheduler": {
            "type": "object",
            "required": [
              "interval_seconds",
              "skipped_ticks"
            ],
            "properties": {
              "interval_seconds": {
                "type": "integer"
              },
              "last_tick": {
                "$ref": "#/components/schemas/TickRecord"
              },
              "next_tick_at": {
                "type": "string",
                "format": "date-time"
              },
              "skipped_ticks": {
                "type": "integer"
              }
            }
          },
          "providers": {
            "type": "object",
            "required": [
              "total",
              "available",
              "healthy"
            ],
            "properties": {
              "total": {
                "type": "integer"
              },
              "available": {
                "type": "integer"
              },
              "healthy": {
                "type": "integer"
              },
              "selected": {
                "type": "string"
              }
            }
          },
          "latest_message_id": {
            "type": "integer",
            "format": "int64"
          }
        }
      },
      "ProviderHealth": {
        "type": "object",
        "required": [
          "status",
          "consecutive_failures",
          "circuit"
        ],
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "unknown",
              "healthy",
              "unhealthy"
            ]
          },
          "checked_at": {
            "type": "string",
            "format": "date-time"
          },
          "latency_ms": {
            "type": "number"
          },
          "consecutive_failures": {
            "type": "integer"
          },
          "circuit": {
            "type": "string",
            "enum": [
              "closed",
              "open",
              "half_open"
            ]
          },
          "cooldown_until": {
            "type": "string",
            "format": "date-time"
          },
          "last_error": {
            "type": "string"
          }
        }
      },
      "Provider": {
        "type": "object",
        "required": [
          "id",
          "plugin",
          "name",
          "priority",
          "enabled",
          "available",
          "health",
          "selected"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "plugin": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "model": {
            "type": "string"
          },
          "base_url": {
            "type": "string"
          },
          "priority": {
            "type": "integer"
          },
          "enabled": {
            "type": "boolean"
          },
          "available": {
            "type": "boolean"
          },
          "reason": {
            "type": "string"
          },
          "health": {
            "$ref": "#/components/schemas/ProviderHealth"
          },
          "selected": {
            "type": "boolean"
          },
          "success_rate": {
            "type": "number"
          },
          "info": {
            "type": "object",
            "description": "What the provider says about itself: get_info() of a guide-style Python plugin."
          }
        }
      },
      "ProviderList": {
        "type": "object",
        "required": [
          "providers",
          "health_status",
          "available_providers",
          "total"
        ],
        "properties": {
          "providers": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Provider"
            }
          },
          "selected": {
            "type": "string"
          },
          "health_status": {
            "type": "object",
            "additionalProperties": {
              "type": "boolean"
            }
          },
          "available_providers": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "total": {
            "type": "integer"
          }
        }
      },
      "Plugin": {
        "type": "object",
        "required": [
          "name",
          "source",
          "path",
          "status",
          "errors"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "display_name": {
            "type": "string"
          },
          "version": {
            "type": "string"
          },
          "author": {
            "type": "string"
          },
          "description": {
            "type": "string"
          },
          "requires": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "category": {
            "type": "string",
            "enum": [
              "official",
              "community",
              "custom"
            ]
          },
          "api_version": {
            "type": "string"
          },
          "supported_features": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "homepage": {
            "type": "string"
          },
          "documentation": {
            "type": "string"
          },
          "license": {
            "type": "string"
          },
          "source": {
            "type": "string",
            "enum": [
              "builtin",
              "external"
            ]
          },
          "path": {
            "type": "string",
            "nullable": true
          },
          "status": {
            "type": "string",
            "enum": [
              "loaded",
              "invalid",
              "unavailable"
            ]
          },
          "errors": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "interpreter": {
            "type": "string",
            "description": "The Python interpreter that runs a guide-style plugin."
          }
        },
        "description": "Metadata fields are present for every loaded plugin; an invalid one may only have its name."
      },
      "PluginList": {
        "type": "object",
        "required": [
          "plugins",
          "total"
        ],
        "properties": {
          "plugins": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Plugin"
            }
          },
          "total": {
            "type": "integer"
          }
        }
      },
      "ReloadResult": {
        "type": "object",
        "required": [
          "dry_run",
          "valid",
          "providers"
        ],
        "properties": {
          "dry_run": {
            "type": "boolean"
          },
          "valid": {
            "type": "boolean"
          },
          "diff": {
            "type": "object",
            "properties": {
              "added": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              },
              "removed": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              },
              "changed": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              },
              "unchanged": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              }
            }
          },
          "providers": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Provider"
            }
          }
        }
      },
      "Config": {
        "type": "object",
        "required": [
          "config",
          "file",
          "warnings"
        ],
        "properties": {
          "file": {
            "type": "string"
          },
          "warnings": {
            "type": "array",
            "description": "Settings that are not used: unknown keys (with a suggestion) and variables of the original AI-Ticker that do not apply.",
            "items": {
              "type": "object",
              "required": [
                "source",
                "reason"
              ],
              "properties": {
                "source": {
                  "type": "string"
                },
                "key": {
                  "type": "string"
                },
                "reason": {
                  "type": "string"
                }
              }
            }
          },
          "config": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "key",
                "value",
                "source"
              ],
              "properties": {
                "key": {
                  "type": "string"
                },
                "value": {},
                "source": {
                  "type": "string"
                }
              }
            }
          }
        }
      }
    },
    "responses": {
      "MisdirectedRequest": {
        "description": "The Host header names a host this service does not answer for (DNS rebinding guard; see server.allowed_hosts)",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ForbiddenOrigin": {
        "description": "A browser request from another web origin (see server.allowed_origins)",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "TooManyRequests": {
        "description": "Too many failed authentications from this client, or server.rate_limit_api spent",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        },
        "headers": {
          "Retry-After": {
            "description": "Seconds until the client may try again",
            "schema": {
              "type": "integer",
              "minimum": 1
            }
          }
        }
      }
    }
  }
}
"""#
}
