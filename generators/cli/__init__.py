"""The command line's parts beside main.py (the typer app, which registers every command in the order `ecsform
--help` lists them). Each command parses its flags, calls one function of the room that does the work and maps
the result to an exit code.

The modules (pyproject.toml, contract "cli": setup_commands | after_apply | review_commands -> running -> params):
`params` (the flags several commands share), `running` (a command body run: findings reported, EcsformError to
exit 2, anything else to exit 70; the flow's modules loaded when first used), `setup_commands` (import, ci,
bootstrap, lock, modules export), `after_apply` (image, deploy, run, revisions), `review_commands` (review).
Import from the module that holds a name.
"""
