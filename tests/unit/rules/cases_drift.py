from .cases import Case, container, with_containers

CASES = [
    Case(
        "TF-EMPTY-ENV",
        good=with_containers(container(environment=[{"name": "A", "value": "x"}])),
        bad=with_containers(container(environment=[{"name": "A", "value": "x"}, {"name": "B", "value": ""}])),
        path=("containerDefinitions", 0, "environment", 1),
    ),
    Case(
        "TF-EMPTY-ENV",
        good=with_containers(container(environment=[{"name": "A", "value": " "}])),
        bad=with_containers(container(environment=[{"name": "A"}])),
        path=("containerDefinitions", 0, "environment", 0),
        id="missing",
    ),
    # `environment: {PORT: 8080}`: the integer is a SPEC-TYPE error (quote it), not an empty value
    Case(
        "TF-EMPTY-ENV",
        good=with_containers(container(environment=[{"name": "PORT", "value": 8080}])),
        bad=with_containers(container(environment=[{"name": "PORT", "value": ""}])),
        id="badly-typed",
    ),
]
