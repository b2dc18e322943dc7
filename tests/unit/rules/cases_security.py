from .cases import Case, container, with_containers

CASES = [
    Case("SEC-READONLY-ROOT", good=with_containers(container(readonlyRootFilesystem=False)),
         bad=with_containers(container()), path=("containerDefinitions", 0)),
    Case("SEC-READONLY-ROOT", good=with_containers(container(readonlyRootFilesystem=True)),
         bad=with_containers(container(), container("b", essential=False)), path=("containerDefinitions", 1),
         id="second"),
]
