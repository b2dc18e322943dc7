"""The spec language and its loading: files -> located nodes (loader.py, nodes.py) -> a spec with its variants per
environment (document.py: shorthands, overlays) -> the x-ecsform block and its policy (extensions.py, policy.py) ->
the canonical task definition (canonical.py), all checked against the ECS API model (ecs_model.py). Below the rules
and the plan.
"""
