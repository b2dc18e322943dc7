"""`ecsform import`: existing task definitions back into specs, without losing a field.

    doc    = source.read_source(file) | aws.fetch.task_definition(ref)   # describe output or register input
    task   = source.extract(doc)                    # read-only fields dropped, nulls and empties dropped,
                                                    # checked against the ECS API model (unknown fields refused)
    task   = placeholder_mapping.map_placeholders(task, ...)   # a template's placeholders -> target values
    spec   = present.to_spec(task)                  # shorthands where lossless, keys in a readable order
           | environments.to_spec_environments({env: task, ...})   # base = what all share, overlays = the rest
    text   = yaml_text.dump_yaml(spec)              # ruamel.yaml; hostile strings quoted
    roundtrip.ensure_loads_back(text, {env: task})  # loaded back with the project's loader: same tasks

    command.py              import_spec: the command's flow above (and --environments, --family)
    source.py               the input (a file or standard input) -> the native task, checked against the model
    placeholder_mapping.py  the placeholders of templating tools mapped to what ecsform offers
    present.py              a native task in the form a person writes: readable key order, lossless shorthands
    environments.py         several environments' tasks -> one base and an overlay per environment
    yaml_text.py            a spec as YAML text that every YAML reader reads back as written
    roundtrip.py            the safety net: the YAML loaded back must give the same tasks
    values.py               plain values: absent (MISSING), empty, the same

The functions in the middle are pure (dict -> spec dict -> YAML text). The round trip loads the YAML with the same
loader, shorthands and overlay merge that `validate`/`synth`/`render` use and compares each resulting task with its
input, so an import that would lose or change anything fails instead of writing a spec. What reads AWS
(`--from-aws`) is generators/aws/fetch.py.

Readable order: task fields `family`, roles, network mode, compatibilities and size first, then
`containerDefinitions`, then the rest in the order of the ECS API model, `tags` last; inside a container `name`,
`image`, `essential`, then the model's order; every other structure in the model's order; mappings (labels, log
options, environment variables) in the order they came in. Shorthands (generators/spec/shorthands.py) are used only
where loading them gives back exactly the native value.
"""
