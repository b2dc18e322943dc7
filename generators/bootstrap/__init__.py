"""`ecsform bootstrap github|gitlab`: the Terraform root that creates what the pipelines need in each account,
from ecsform.yaml. Nothing by hand before the first pipeline run.

    state bucket       backend.s3.bucket in its account (the state role's, else each target's): versioned,
                       encrypted (SSE-KMS with backend.s3.kmsKeyId, else SSE-S3), public access blocked
    OIDC provider      GitHub's or GitLab's, in the account of the pipeline's roles
    pipeline roles     ci.roleArn (and ci.environments.E.roleArn): trusted by the OIDC provider for the default
                       branch's plans and applies (GitHub: the default branch's jobs and the environment's gate;
                       GitLab: the default branch); may assume the deploy roles of its environments and the state
                       role. ci.planRoleArn: trusted for pull requests (merge requests); may assume the plan roles
                       and the state role
    deploy roles       each target's roleArn, which the roots assume: what the roots apply and plan, and what
                       verify, diff, synth --adopt, deploy, run and revisions prune call (generators/aws/actions.py)
    plan roles         each target's planRoleArn (optional): what the roots plan and the read-only commands call;
                       `synth --plan-role` makes the roots of a pull request's plan assume them
    state role         backend.s3.roleArn: the state objects under the key's fixed prefix, and the bucket's listing

Every policy is made from generators/aws/actions.py's rows for the resource and data source types the modules and
roots declare (read from modules/*.tf): the bootstrap root changes when a module gains a resource, never by hand.
The root keeps its own state locally (it creates the bucket the others keep theirs in); each account is a provider
alias, reached with the credentials as they are, or through `var.admin_role_name` in every account.

The package's modules, each one job (pyproject.toml, contract "bootstrap": files -> policies -> model | names):
`model` (the roles, state buckets and accounts ecsform.yaml asks for), `policies` (each role's permissions and
trust), `names` (Terraform names of roles and accounts), `files` (the root's files, and writing them). Import from
the module that holds a name.
"""
