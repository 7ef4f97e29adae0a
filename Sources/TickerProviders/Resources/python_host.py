"""ai-ticker's host for plugins written for the original AI-Ticker's plugin guide.

It provides the module `plugins.base_provider` (ProviderConfig, AIResponse, BaseAIProvider,
AIProviderPlugin, with the guide's semantics), loads one plugin (a .py file or a package
directory with __init__.py) and then either describes it (`describe PATH`: one JSON line, then
exit) or answers ai-ticker's JSON-RPC 2.0 calls on stdin/stdout, one object per line
(`serve PATH`). Standard library only. ai-ticker starts it as
`python -c <loader> describe|serve PATH` with this text in the environment.

The same protocol serves the other two Python plug-in systems (`llm-backend -`, `llm -`): packages
that register backends through `llm.backends.plugin_sdk` (the backend plug-in guide; this host
provides that module), and the models of Simon Willison's `llm` library.
"""
import abc
import dataclasses
import importlib
import importlib.util
import inspect
import json
import logging
import os
import sys
import traceback
import types
from typing import Any, Dict, List, Optional

# --- plugins.base_provider -----------------------------------------------------------------


@dataclasses.dataclass
class ProviderConfig:
    """The settings of one provider instance, from its plugin_config.json entry."""

    name: str
    api_key: str
    base_url: str
    model: str
    timeout: int = 30
    max_tokens: int = 512
    temperature: float = 0.7
    extra_params: Dict[str, Any] = None
    extra_headers: Dict[str, str] = None

    def __post_init__(self):
        self.extra_params = {} if self.extra_params is None else self.extra_params
        self.extra_headers = {} if self.extra_headers is None else self.extra_headers


@dataclasses.dataclass
class AIResponse:
    """One answer of a provider."""

    content: str
    provider_name: str
    model: str
    usage: Dict[str, int] = None
    metadata: Dict[str, Any] = None

    def __post_init__(self):
        self.usage = {} if self.usage is None else self.usage
        self.metadata = {} if self.metadata is None else self.metadata


class BaseAIProvider(abc.ABC):
    """What every guide-style provider subclasses."""

    def __init__(self, config: ProviderConfig):
        self.config = config
        self.logger = logging.getLogger(f"plugins.base_provider.{type(self).__name__}")
        self._client = None

    @property
    @abc.abstractmethod
    def provider_name(self) -> str: ...

    @property
    @abc.abstractmethod
    def supported_models(self) -> List[str]: ...

    @abc.abstractmethod
    def initialize(self) -> bool: ...

    @abc.abstractmethod
    def generate_message(self, system_prompt: str, user_prompt: str) -> Optional[AIResponse]: ...

    @abc.abstractmethod
    def health_check(self) -> bool: ...

    def validate_config(self) -> bool:
        """Name, API key and model must be set; subclasses add their own checks."""
        for field, label in (("name", "Provider name"), ("api_key", "API key"), ("model", "Model")):
            if not getattr(self.config, field):
                self.logger.error(f"{label} is required")
                return False
        return True

    def get_info(self) -> Dict[str, Any]:
        return {
            "name": self.provider_name,
            "config_name": self.config.name,
            "model": self.config.model,
            "supported_models": self.supported_models,
            "base_url": self.config.base_url,
            "timeout": self.config.timeout,
            "max_tokens": self.config.max_tokens,
        }


class AIProviderPlugin:
    """A provider class with its metadata."""

    def __init__(self, provider_class: type, metadata: Dict[str, Any] = None):
        self.provider_class = provider_class
        self.metadata = metadata or {}
        self.version = self.metadata.get("version", "1.0.0")
        self.author = self.metadata.get("author", "Unknown")
        self.description = self.metadata.get("description", "Custom AI Provider")
        self.requires = self.metadata.get("requires", [])

    def create_provider(self, config: ProviderConfig) -> BaseAIProvider:
        return self.provider_class(config)

    def get_plugin_info(self) -> Dict[str, Any]:
        return {
            "provider_class": self.provider_class.__name__,
            "version": self.version,
            "author": self.author,
            "description": self.description,
            "requires": self.requires,
            "metadata": self.metadata,
        }


def install_modules():
    """Makes `from plugins.base_provider import ...` find the classes above."""
    package = types.ModuleType("plugins")
    package.__path__ = []
    base = types.ModuleType("plugins.base_provider")
    for item in (ProviderConfig, AIResponse, BaseAIProvider, AIProviderPlugin):
        item.__module__ = base.__name__
        setattr(base, item.__name__, item)
    for name, value in (("Optional", Optional), ("Dict", Dict), ("Any", Any), ("List", List), ("logging", logging)):
        setattr(base, name, value)
    package.base_provider = base
    custom = types.ModuleType("plugins.custom")
    custom.__path__ = []
    package.custom = custom
    sys.modules.update({"plugins": package, "plugins.base_provider": base, "plugins.custom": custom})


# --- loading --------------------------------------------------------------------------------


class Failure(Exception):
    """A failed call, with the ai-ticker error class it maps to."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def interpreter() -> str:
    return f"python {sys.version.split()[0]} at {sys.executable}"


def describe_exception(error: BaseException, path: str) -> str:
    """`Type: message`, with the plugin's own line where the error was raised."""
    text = f"{type(error).__name__}: {error}"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if os.path.abspath(f.filename).startswith(path)]
    if frames:
        text += f" ({os.path.basename(frames[-1].filename)} line {frames[-1].lineno})"
    return text


def load(path: str):
    """The plugin's provider class and metadata, as the original AI-Ticker found them."""
    path = os.path.abspath(path)
    name = os.path.basename(path)
    metadata: Dict[str, Any] = {}
    try:
        if os.path.isdir(path):
            sys.path.insert(0, os.path.dirname(path))
            module = importlib.import_module(name)
            manifest = os.path.join(path, "plugin.json")
            if os.path.exists(manifest):
                with open(manifest, encoding="utf-8") as handle:
                    found = json.load(handle)
                if isinstance(found, dict):
                    metadata.update(found)
        else:
            name = name[:-3] if name.endswith(".py") else name
            sys.path.insert(0, os.path.dirname(path))
            module_name = name if name not in sys.modules else f"plugins.custom.{name}"
            spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001 - every load problem is reported, none is fatal
        # A module missing here is this machine's problem; a syntax error or the like is the plugin's.
        kind = "unavailable" if isinstance(error, ImportError) else "misconfigured"
        raise Failure(kind, f"cannot load {os.path.basename(path)}: {describe_exception(error, path)}; {interpreter()}")
    values = list(vars(module).values())
    wrappers = [v for v in values if isinstance(v, AIProviderPlugin)]
    module_metadata = getattr(module, "PLUGIN_METADATA", None)
    if isinstance(module_metadata, dict):
        metadata.update(module_metadata)
    if wrappers and isinstance(wrappers[0].metadata, dict):
        metadata = {**metadata, **wrappers[0].metadata}
    classes = [v for v in values if isinstance(v, type) and issubclass(v, BaseAIProvider) and v is not BaseAIProvider]
    own = [c for c in classes if c.__module__ == module.__name__]
    provider_class = wrappers[0].provider_class if wrappers else (sorted(own or classes, key=lambda c: c.__name__) or [None])[0]
    if provider_class is None:
        raise Failure("misconfigured", f"{os.path.basename(path)} defines no BaseAIProvider subclass")
    if inspect.isabstract(provider_class):
        missing = ", ".join(sorted(provider_class.__abstractmethods__))
        raise Failure("misconfigured", f"{provider_class.__name__} does not implement {missing}")
    return provider_class, metadata


# --- describe -------------------------------------------------------------------------------


def plain(value):
    """`value` as JSON can carry it; anything else as its text."""
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return str(value)


def describe(path: str, out) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        provider_class, metadata = load(path)
        result = {"ok": True, "provider_class": provider_class.__name__, "metadata": plain(metadata), "python": sys.executable}
    except Failure as failure:
        result = {"ok": False, "error": str(failure), "kind": failure.kind, "python": sys.executable}
    out.write(json.dumps(result).encode() + b"\n")
    # Nothing the plugin registered (atexit hooks, multiprocessing joining its children) may
    # delay the end of a listing.
    os._exit(0)


# --- serve ----------------------------------------------------------------------------------


class Serving:
    """What every host answers: the calls, each failure as a `Failure` with its class."""

    secrets: List[str] = []

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def shutdown(self):
        pass

    def handle(self, request):
        method = request.get("method")
        handler = {"initialize": self.initialize, "generate_message": self.generate_message, "health_check": self.health_check,
                   "check": getattr(self, "check", None)}.get(method)
        if handler is None:
            raise Failure("bad_request", f"unknown method {method}")
        self.before_call()
        try:
            return handler(request.get("params") or {})
        except Failure:
            raise
        except Exception as error:  # noqa: BLE001 - a raising plug-in is a failed attempt
            raise Failure("unavailable", self.raised(method, error))

    def before_call(self):
        pass

    def raised(self, method, error):
        return f"{method}() raised {type(error).__name__}: {error}"


class LastError(logging.Handler):
    """Remembers the newest error logged during a call: the guide's plugins log why they fail
    and then return None or False."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.message = None

    def emit(self, record):
        try:
            self.message = record.getMessage()
        except Exception:  # noqa: BLE001
            self.message = str(record.msg)


class Host(Serving):
    """A plugin written to the original AI-Ticker's guide."""

    def __init__(self, path: str):
        self.path = path
        self.provider = None
        self.secrets: List[str] = []
        self.last_error = LastError()
        logging.getLogger().addHandler(self.last_error)

    def because(self, text: str) -> str:
        logged = self.last_error.message
        return f"{text}; logged: {logged}" if logged else text

    def initialize(self, params):
        settings = params.get("config") or {}
        provider_class, _ = load(self.path)
        timeout = settings.get("timeout", 30)
        config = ProviderConfig(
            name=settings.get("name") or "",
            api_key=settings.get("api_key") or "",
            base_url=settings.get("base_url") or "",
            model=settings.get("model") or "",
            timeout=int(timeout) if float(timeout).is_integer() else timeout,
            max_tokens=settings.get("max_tokens", 512),
            temperature=settings.get("temperature", 0.7),
            extra_params=settings.get("extra_params") or {},
            extra_headers=settings.get("extra_headers") or {},
        )
        self.secrets = [s for s in [config.api_key, *config.extra_headers.values()] if isinstance(s, str) and len(s) >= 4]
        provider = provider_class(config)
        if not provider.validate_config():
            raise Failure("misconfigured", self.because("validate_config() returned False"))
        if not provider.initialize():
            raise Failure("unavailable", self.because("initialize() returned False"))
        self.provider = provider
        try:
            name = str(provider.provider_name)
        except Exception:  # noqa: BLE001
            name = provider_class.__name__
        try:
            info = plain(provider.get_info())
        except Exception as error:  # noqa: BLE001
            info = {"error": f"get_info() raised {type(error).__name__}: {error}"}
        return {"provider_name": name, "supported_models": [str(m) for m in plain(provider.supported_models) or []],
                "info": json.loads(self.redact(json.dumps(info)))}

    def ready(self):
        if self.provider is None:
            raise Failure("unavailable", "not initialized")
        return self.provider

    def generate_message(self, params):
        provider = self.ready()
        response = provider.generate_message(params.get("system_prompt", ""), params.get("user_prompt", ""))
        if response is None:
            raise Failure("unavailable", self.because("generate_message() returned None"))
        if isinstance(response, str):
            response = AIResponse(content=response, provider_name="", model=provider.config.model)
        content = getattr(response, "content", None)
        if not isinstance(content, str):
            raise Failure("bad_response", f"generate_message() returned {type(response).__name__} without a text content")
        usage = getattr(response, "usage", None) or {}
        metadata = getattr(response, "metadata", None) or {}
        numbers = {k: int(v) for k, v in usage.items() if isinstance(v, (int, float)) and not isinstance(v, bool)} if isinstance(usage, dict) else {}
        meta = {}
        if isinstance(metadata, dict):
            for key in ("response_id", "finish_reason"):
                if metadata.get(key) is not None:
                    meta[key] = str(metadata[key])
            if isinstance(metadata.get("created"), (int, float)):
                meta["created"] = int(metadata["created"])
        return {"content": content, "model": str(getattr(response, "model", "") or provider.config.model),
                "usage": numbers, "metadata": meta}

    def health_check(self, params):
        healthy = bool(self.ready().health_check())
        return {"healthy": healthy, "detail": None if healthy else self.because("health_check() returned False")}

    def shutdown(self):
        for name in ("shutdown", "close"):
            method = getattr(self.provider, name, None)
            if callable(method):
                try:
                    method()
                except Exception:  # noqa: BLE001 - leaving anyway
                    pass
                return

    def before_call(self):
        self.last_error.message = None

    def raised(self, method, error):
        return f"{method}() raised {describe_exception(error, self.path)}"


class GuardrailHost(Serving):
    """A guardrail: a module whose check(text, context) returns {"action": "allow" | "block" |
    "hold" | "log", "reason": "..."} (or None to allow); an optional initialize(config) gets the
    rule's config first."""

    actions = ("allow", "block", "hold", "log")

    def __init__(self, path: str):
        self.path = path
        self.module = None

    def initialize(self, params):
        name = os.path.splitext(os.path.basename(self.path))[0]
        sys.path.insert(0, os.path.dirname(self.path))
        try:
            spec = importlib.util.spec_from_file_location(name, self.path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        except Exception as error:  # noqa: BLE001 - a guardrail that cannot load fails its checks
            raise Failure("unavailable", f"cannot load {os.path.basename(self.path)}: {describe_exception(error, self.path)}")
        if not callable(getattr(module, "check", None)):
            raise Failure("misconfigured", f"{os.path.basename(self.path)} has no check(text, context) function")
        setup = getattr(module, "initialize", None)
        if callable(setup):
            setup(dict((params.get("config") or {}).get("extra_params") or {}))
        self.module = module
        return {"provider_name": name}

    def check(self, params):
        if self.module is None:
            raise Failure("unavailable", "check before initialize")
        verdict = self.module.check(str(params.get("text", "")), dict(params.get("context") or {}))
        if verdict is None:
            return {"action": "allow"}
        if isinstance(verdict, str):
            verdict = {"action": verdict}
        if not isinstance(verdict, dict) or verdict.get("action") not in self.actions:
            raise Failure("bad_response", f"check() returned {str(verdict)[:80]}; expected {{'action': one of {', '.join(self.actions)}, 'reason': '...'}}")
        return {"action": verdict["action"], "reason": str(verdict.get("reason") or "")}

    def generate_message(self, params):
        raise Failure("bad_request", "a guardrail writes no messages")

    def health_check(self, params):
        return {"healthy": self.module is not None, "detail": None}

    def raised(self, method, error):
        return f"{method}() raised {describe_exception(error, self.path)}"


def serve(host, out) -> None:
    os.dup2(2, 1)  # print() in a plugin goes to the log, never into the protocol
    sys.stdout = sys.stderr
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if not isinstance(request, dict):
            continue
        reply = {"jsonrpc": "2.0", "id": request.get("id")}
        if request.get("method") == "shutdown":
            host.shutdown()
            out.write(json.dumps({**reply, "result": None}).encode() + b"\n")
            return
        try:
            reply["result"] = host.handle(request)
        except Failure as failure:
            reply["error"] = {"code": -32000, "message": host.redact(str(failure)), "data": {"kind": failure.kind}}
        out.write(json.dumps(reply).encode() + b"\n")


# --- llm.backends.plugin_sdk (the backend plug-in guide) -------------------------------------


def install_backend_sdk() -> Dict[str, Dict[str, Any]]:
    """Provides `llm.backends.plugin_sdk` beside whatever `llm` package is installed (Simon
    Willison's, or none) and returns the registry its `register_*` calls fill."""
    registry: Dict[str, Dict[str, Any]] = {"backends": {}, "recipes": {}}
    sdk = types.ModuleType("llm.backends.plugin_sdk")

    class Backend(abc.ABC):
        @abc.abstractmethod
        def run(self, prompt: str) -> str: ...

    class Recipe(abc.ABC):
        @abc.abstractmethod
        def run(self, goal: str) -> List[str]: ...

    def register_backend(name, run):
        registry["backends"][str(name)] = run

    def register_recipe(name, run):
        registry["recipes"][str(name)] = run

    for item in (Backend, Recipe, register_backend, register_recipe):
        item.__module__ = sdk.__name__
        setattr(sdk, item.__name__, item)
    backends = types.ModuleType("llm.backends")
    backends.__path__ = []
    backends.plugin_sdk = sdk
    if importlib.util.find_spec("llm") is None:
        top = types.ModuleType("llm")
        top.__path__ = []
        sys.modules["llm"] = top
    else:
        top = importlib.import_module("llm")
    top.backends = backends
    sys.modules.update({"llm.backends": backends, "llm.backends.plugin_sdk": sdk})
    return registry


def import_backend_plugins() -> Dict[str, str]:
    """Imports the module of every `llm.plugins` entry point (the attribute it names is not
    needed: the guide's own example defines none); returns why each failed one failed."""
    from importlib import metadata
    points = metadata.entry_points()
    group = points.select(group="llm.plugins") if hasattr(points, "select") else points.get("llm.plugins", [])
    failed = {}
    for point in group:
        module = point.value.split(":")[0].strip()
        try:
            importlib.import_module(module)
        except Exception as error:  # noqa: BLE001 - one broken package must not hide the others
            failed[point.name] = f"{module}: {type(error).__name__}: {error}"
    return failed


class BackendHost(Serving):
    """One backend a package registered through `llm.backends.plugin_sdk`."""

    run = None

    def initialize(self, params):
        settings = params.get("config") or {}
        self.name, self.model = settings.get("backend") or "", settings.get("model") or None
        registry = install_backend_sdk()
        failed = import_backend_plugins()
        self.run = registry["backends"].get(self.name)
        if self.run is None:
            found = ", ".join(sorted(registry["backends"])) or "none"
            broken = "".join(f"; {name} did not import ({why})" for name, why in sorted(failed.items()))
            raise Failure("unavailable", f'no llm backend "{self.name}" is registered (registered: {found}){broken}; {interpreter()}')
        return {"provider_name": self.name, "supported_models": [self.model] if self.model else [], "info": {"backend": self.name}}

    def generate_message(self, params):
        if self.run is None:
            raise Failure("unavailable", "not initialized")
        prompt = "\n\n".join(part for part in (params.get("system_prompt"), params.get("user_prompt")) if part)
        try:
            text = self.run(prompt, model=self.model)
        except Exception as error:  # noqa: BLE001
            raise Failure("unavailable", f"backend {self.name} raised {type(error).__name__}: {error}")
        if not isinstance(text, str):
            raise Failure("bad_response", f"backend {self.name} returned {type(text).__name__}, not a string")
        return {"content": text, "model": self.model or self.name, "usage": {}, "metadata": {}}

    def health_check(self, params):
        return {"healthy": self.run is not None, "detail": None if self.run is not None else "not initialized"}


# --- Simon Willison's llm ---------------------------------------------------------------------


class ModelHost(Serving):
    """One model of the `llm` library: resolved by id or alias, prompted with the system prompt,
    the options and the key (the entry's, else llm's key store)."""

    model = None

    def initialize(self, params):
        settings = params.get("config") or {}
        self.model_id, self.key = settings.get("model") or "", settings.get("api_key") or None
        self.options = settings.get("options") or {}
        self.secrets = [self.key] if self.key and len(self.key) >= 4 else []
        self.model = self.resolve()
        try:
            self.model.Options(**self.options)
        except Exception as error:  # noqa: BLE001 - pydantic's ValidationError names the option
            raise Failure("misconfigured", f"options for {self.model_id}: {error}")
        if getattr(self.model, "needs_key", None):
            import llm
            try:
                self.model.get_key(self.key)
            except llm.NeedsKeyException as error:
                raise Failure("unauthorized", f"{error}; or set api_key in the entry")
        return {"provider_name": self.model_id, "supported_models": [self.model.model_id], "info": {"model_id": self.model.model_id}}

    def resolve(self):
        try:
            import llm
        except ImportError:
            raise Failure("unavailable", f"the llm package is not installed for {interpreter()} (pip install llm)")
        try:
            return llm.get_model(self.model_id)
        except llm.UnknownModelError:
            raise Failure("unavailable", f'llm knows no model "{self.model_id}"; install the plug-in that provides it (llm install ...); {interpreter()}')

    def generate_message(self, params):
        if self.model is None:
            raise Failure("unavailable", "not initialized")
        options = dict(self.options)
        if self.key and getattr(self.model, "needs_key", None):
            options["key"] = self.key
        response = self.model.prompt(params.get("user_prompt", ""), system=params.get("system_prompt") or None, **options)
        text = response.text()
        usage, numbers = response.usage(), {}
        if usage.input is not None:
            numbers["prompt_tokens"] = int(usage.input)
        if usage.output is not None:
            numbers["completion_tokens"] = int(usage.output)
        if len(numbers) == 2:
            numbers["total_tokens"] = numbers["prompt_tokens"] + numbers["completion_tokens"]
        return {"content": text, "model": self.model.model_id, "usage": numbers, "metadata": {}}

    def health_check(self, params):
        # Without spending tokens: the model still resolves.
        self.resolve()
        return {"healthy": True, "detail": None}


def offered(kind: str) -> Dict[str, Any]:
    """What this environment offers an `llm` entry (model ids) or an `llm-backend` one (backends)."""
    if kind == "llm":
        try:
            import llm
        except ImportError:
            raise Failure("unavailable", f"the llm package is not installed for {interpreter()} (pip install llm)")
        return {"models": sorted(model.model_id for model in llm.get_models())}
    registry = install_backend_sdk()
    failed = import_backend_plugins()
    return {"models": sorted(registry["backends"]), "problems": [f"{name} did not import ({why})" for name, why in sorted(failed.items())]}


def describe_offer(kind: str, out) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        result = {"ok": True, "provider_class": kind, "metadata": offered(kind), "python": sys.executable}
    except Failure as failure:
        result = {"ok": False, "error": str(failure), "kind": failure.kind, "python": sys.executable}
    except Exception as error:  # noqa: BLE001
        result = {"ok": False, "error": f"{type(error).__name__}: {error}", "kind": "unavailable", "python": sys.executable}
    out.write(json.dumps(result).encode() + b"\n")
    os._exit(0)


def main(arguments):
    hosts = {"llm-backend": BackendHost, "llm": ModelHost}
    modes = ("describe", "serve", "guardrail", *hosts, *(f"describe-{kind}" for kind in hosts))
    if len(arguments) != 2 or arguments[0] not in modes:
        sys.stderr.write("usage: describe|serve|guardrail PATH, or llm-backend|llm|describe-llm-backend|describe-llm -\n")
        return 2
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    if arguments[0] in hosts:
        serve(hosts[arguments[0]](), out)
        return 0
    if arguments[0].startswith("describe-"):
        describe_offer(arguments[0][len("describe-"):], out)
        return 0
    install_modules()
    if arguments[0] == "describe":
        describe(arguments[1], out)
    elif arguments[0] == "guardrail":
        serve(GuardrailHost(os.path.abspath(arguments[1])), out)
    else:
        serve(Host(os.path.abspath(arguments[1])), out)
    return 0


sys.exit(main(sys.argv[1:]))
