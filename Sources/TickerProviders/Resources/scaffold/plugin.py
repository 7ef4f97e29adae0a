#!/usr/bin/env python3
"""ai-ticker plugin "{{name}}": JSON-RPC 2.0 over stdin/stdout, one JSON object per line."""
import json
import sys

config = {}
count = 0


def initialize(params):
    config.update(params.get("config") or {})
    return {"provider_name": "{{name}}", "supported_models": ["{{name}}-1"]}


def health_check(params):
    # Check reachability here without spending tokens (e.g. list models).
    return {"healthy": True}


def generate_message(params):
    global count
    count += 1
    # Call your model here with params["system_prompt"] and params["user_prompt"].
    # To fail, raise PluginError("why", "rate_limited", retry_after=30).
    return {"content": f"Message {count} from {{name}}.", "model": config.get("model") or "{{name}}-1",
            "usage": {"prompt_tokens": 0, "completion_tokens": 4}}


class PluginError(Exception):
    def __init__(self, message, kind="unavailable", retry_after=None):
        super().__init__(message)
        self.kind, self.retry_after = kind, retry_after


METHODS = {"initialize": initialize, "health_check": health_check, "generate_message": generate_message}

for line in sys.stdin:
    try:
        request = json.loads(line)
    except ValueError:
        continue
    if request.get("method") == "shutdown":
        break
    reply = {"jsonrpc": "2.0", "id": request.get("id")}
    try:
        reply["result"] = METHODS[request.get("method")](request.get("params") or {})
    except PluginError as error:
        data = {"kind": error.kind}
        if error.retry_after is not None:
            data["retry_after"] = error.retry_after
        reply["error"] = {"code": -32000, "message": str(error), "data": data}
    except Exception as error:
        reply["error"] = {"code": -32603, "message": str(error), "data": {"kind": "unavailable"}}
    print(json.dumps(reply), flush=True)
