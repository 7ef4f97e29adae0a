#!/usr/bin/env python3
"""An ai-ticker external plugin: JSON-RPC 2.0, one JSON object per line, on stdin/stdout.

Methods: initialize {config} -> {provider_name, supported_models}; health_check -> {healthy};
generate_message {system_prompt, user_prompt} -> {content, model, usage, metadata}; shutdown.
Errors carry data.kind, one of ai-ticker's error classes. Logs go to stderr.
"""
import datetime
import json
import random
import sys

settings = {}


def facts(today):
    year_days = 366 if today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0) else 365
    day = today.timetuple().tm_yday
    week = today.isocalendar()[1]
    weekday = today.strftime("%A")
    return [
        f"Today is day {day} of {today.year}; {year_days - day} days are left in the year.",
        f"It is week {week} of {today.year}, and {weekday} at that.",
        f"{round(100 * day / year_days)}% of {today.year} has already gone by.",
        f"{today.strftime('%B')} has {((today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)).day} days; today is the {today.day}.",
        f"There are {(datetime.date(today.year + 1, 1, 1) - today).days} sleeps until New Year's Day.",
    ]


def initialize(params):
    settings.update(params.get("config", {}))
    print(f"calendar-facts initialized for {settings.get('name', '?')}", file=sys.stderr, flush=True)
    return {"provider_name": "calendar-facts", "supported_models": ["calendar-1"]}


def generate_message(params):
    content = random.choice(facts(datetime.date.today()))
    words = len(content.split())
    prompt_words = len((params.get("system_prompt", "") + " " + params.get("user_prompt", "")).split())
    return {
        "content": content,
        "model": settings.get("model") or "calendar-1",
        "usage": {"prompt_tokens": prompt_words, "completion_tokens": words, "total_tokens": prompt_words + words},
        "metadata": {"finish_reason": "stop"},
    }


METHODS = {
    "initialize": initialize,
    "health_check": lambda params: {"healthy": True, "detail": "no network needed"},
    "generate_message": generate_message,
}


def main():
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        method, request_id = request.get("method"), request.get("id")
        if method == "shutdown":
            print(json.dumps({"jsonrpc": "2.0", "id": request_id, "result": None}), flush=True)
            return
        handler = METHODS.get(method)
        if handler is None:
            reply = {"jsonrpc": "2.0", "id": request_id,
                     "error": {"code": -32601, "message": f"unknown method {method}", "data": {"kind": "bad_request"}}}
        else:
            try:
                reply = {"jsonrpc": "2.0", "id": request_id, "result": handler(request.get("params") or {})}
            except Exception as error:  # report, never die
                reply = {"jsonrpc": "2.0", "id": request_id,
                         "error": {"code": -32000, "message": str(error), "data": {"kind": "unavailable"}}}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
