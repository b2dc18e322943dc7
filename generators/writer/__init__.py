"""The one place that writes output: one writer per output, changes published together or not at all.

- One writer per output (`lock`): an OS lock beside the output, released when its process ends, however it ends.
- In place, as a transaction (`publication`): only files whose bytes change are written (`compare`); what changes
  is planned first (`changes`), staged and synced (`disk`), then published by the steps of a journal (`journal`)
  that the next run undoes when a run dies before its commit: the previous output comes back byte for byte.
- Never orphan state (`changes`, `state`): in a root synth still produces, files ecsform did not write
  (`.terraform/`, state, the lock file, your tfvars) are never touched. A root it no longer produces is removed only
  when it holds nothing but generated files; otherwise it is kept whole and reported (OUT-ORPHANED) until `prune`
  removes it, which a root holding Terraform state needs `force` for.
- The file system's faults are findings (`faults`: OUT-*) naming the path and the OS's words, never tracebacks.
- What it writes and reads back: manifest.json (`manifest`); one file replaced at once (`single_file`).

The modules are layered (pyproject.toml, contract "writer"): publication | single_file -> changes -> journal |
state | lock -> compare | disk -> faults | manifest. Import from the module that holds a name."""
