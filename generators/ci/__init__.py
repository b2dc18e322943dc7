"""The pipeline configuration of the CI engines teams run, from ecsform.yaml's `ci:` block: ecsform writes their
files (`ecsform ci`), the engines run them, and their jobs run ecsform (`ecsform review`: the plan applied is the plan
reviewed). One module per job:

    command       `ecsform ci KIND`: which file, where it goes, written at once
    github        GitHub Actions: the workflow, job by job, and the matrices of a change (github-matrix)
    gitlab        GitLab CI: the parent pipeline and the child pipeline of a change's roots (gitlab-child)
    atlantis      atlantis.yaml: one project per root, and what each is made of
    review        `ecsform review record|check|applied`: the saved plan a pipeline applies is the one reviewed
    shell         the shell commands each job runs (one place for every engine) and the files they leave
    chunks        `ecsform changed --format json` read back, its roots in jobs (chunks)
    environments  per environment: the role a job assumes, the gate that approves an apply, the promotion order
    output        the files as YAML text

Plans are applied as reviewed: each plan job saves `tfplan` with its receipt (the commit, the plan's sha256, the
root's hash, the state it was planned against) as an artifact; each apply job, after its environment's approval,
applies exactly that file once `ecsform review check` accepts it, and a root whose state changed since its plan is
planned again at the default branch's head and asked for again.

The output is byte-identical for the same ecsform.yaml (and, for Atlantis and the GitLab child, the same specs and
`ecsform changed` output): keys in a fixed order, environments and roots sorted.
"""
