"""After the apply, one module per command family, each a function a CLI command calls: the deployed images
(`ecsform image set|promote|show`), the services moved to the revision a root registered (`ecsform deploy`), jobs
run and checked (`ecsform run`), and old revisions deregistered (`ecsform revisions prune`).

    image_commands.py  image set | promote | show            recording.py   a root's images file written
    rollout.py         deploy (and its rollback)              binding.py     a root, planned, with its deploy binding
    run_task.py        run                                    registered.py  the revision it registered, in its account
    pruning.py         revisions prune                        selection.py   the spec, variant and ecsform.yaml named

The flow of each command, in one visible place: the specs are validated and planned as for synth
(generators/validation.py), the images files are read and checked (generators/images.py) and written through the
writer (generators/writer/); what talks to AWS is in generators/aws/ (deploy.py, tasks.py, revisions.py), with
the sessions, targets and AWS-* findings of generators/aws/session.py.
"""
