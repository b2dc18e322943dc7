"""What talks to AWS: read-only calls made before an apply, with the deploy target's credentials.

    session.py   a boto3 session for a `Target` (its role assumed with STS, else the default chain), the region
                 resolution (--region, the target, AWS_REGION, AWS_DEFAULT_REGION) and AWS errors as findings
    verify/      `ecsform verify`: what a spec references exists in the account, and brought roles allow it
                 (one module per kind of thing checked; the roles' needs come from generators/access/)
    iam.py       the Allow/Deny evaluator verify uses for brought roles' policies
    diff.py      `ecsform diff`: the spec's task definition against the registered revision, compared the way
                 the AWS provider compares them
    adopt.py     `synth --adopt`: `import` blocks for what a root would create but the account already has
    ecs.py       describe-task-definition (diff, import --from-aws) and the defaults ECS fills in
    fetch.py     `ecsform import --from-aws`: a registered task definition read (generators/importer/ makes the spec)

The flow (generators/pipeline.py) calls these parts; they never call the flow.
"""
