from .cases import Case, container, with_containers

CASES = [
    Case("TF-EMPTY-ENV", good=with_containers(container(environment=[{"name": "A", "value": "x"}])),
         bad=with_containers(container(environment=[{"name": "A", "value": "x"}, {"name": "B", "value": ""}])),
         path=("containerDefinitions", 0, "environment", 1)),
    Case("TF-EMPTY-ENV", good=with_containers(container(environment=[{"name": "A", "value": " "}])),
         bad=with_containers(container(environment=[{"name": "A"}])),
         path=("containerDefinitions", 0, "environment", 0), id="missing"),
]
