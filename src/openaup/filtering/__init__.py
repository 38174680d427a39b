"""The filter, steered from the web app: profiles and their rules, who gets which profile,
list sources, publishing the policy to the engine, the block page, unblock requests and
timed overrides. The decisions themselves are the engine's (:mod:`openaup.engine`)."""
