"""import-linter contract types of our own (pyproject.toml's [tool.importlinter] names them).

`acyclic`: no import circle among the modules of the given packages, at any depth. import-linter's own
`acyclic_siblings` finds circles between the children of a package; this one also finds the circles that run
through a package's `__init__` and its own modules (`generators.rules` <-> `generators.rules.logging`). grimp
reads every import statement, the ones inside functions and under `if TYPE_CHECKING:` too: a lazy import is still
a circle.
"""

from __future__ import annotations

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def circles(graph: grimp.ImportGraph, packages: set[str]) -> list[list[str]]:
    """The strongly connected components of more than one module among `packages` and their descendants
    (Tarjan's algorithm, iterative), each sorted, in a stable order."""
    inside = sorted(m for m in graph.modules if any(m == p or m.startswith(p + ".") for p in packages))
    wanted = set(inside)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & wanted) for m in inside}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in inside:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            for j in range(i, len(edges[node])):
                nxt = edges[node][j]
                if nxt not in index:
                    work.append((node, j + 1))
                    work.append((nxt, 0))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                if low[node] == index[node]:
                    component = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        component.append(m)
                        if m == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return sorted(found)


class AcyclicContract(Contract):
    type_name = "acyclic"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        found = circles(graph, set(self.packages))  # type: ignore[call-overload]  # (a ListField reads as its list)
        chains = []
        for component in found:
            # one concrete circle through the component's first module, to show which imports close it
            first = component[0]
            back = [m for m in component if first in graph.find_modules_directly_imported_by(m)]
            chain = graph.find_shortest_chain(importer=first, imported=back[0]) if back else None
            chains.append((component, [*chain, first] if chain else []))
        return ContractCheck(kept=not found, metadata={"circles": chains})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for component, chain in check.metadata["circles"]:
            output.print_error(f"{len(component)} modules import each other: {', '.join(component)}", bold=True)
            if chain:
                output.print_error("    for example " + " -> ".join(chain), bold=False)
            output.new_line()
