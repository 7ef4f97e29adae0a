"""A guardrail plugin for ai-ticker: keeps swearing off the screens with better-profanity's
word list (which ships inside the package, so nothing is downloaded at run time).

Install:  pip install better-profanity==0.7.0   (into the interpreter of global_settings.python)
Use:      copy this file into a custom plugin path (plugins/custom/) and add a rule:
          {"name": "profanity", "type": "plugin", "plugin": "profanity_guard",
           "config": {"extra_words": ["darn"], "allow": ["hell"], "action": "block"}}
"""
from better_profanity import profanity

_action = "block"


def initialize(config):
    """Called once per process with the rule's `config`."""
    global _action
    profanity.load_censor_words(whitelist_words=config.get("allow") or None)
    extra = config.get("extra_words") or []
    if extra:
        profanity.add_censor_words(extra)
    _action = config.get("action", "block")


def check(text, context):
    """Called for every answer that passed the local rules. `context` holds the channel, the
    provider that answered and the prompts."""
    if profanity.contains_profanity(text):
        # The reason is logged and shown to admins: say what, never repeat the word.
        return {"action": _action, "reason": "better-profanity found a word on its list"}
    return {"action": "allow"}
