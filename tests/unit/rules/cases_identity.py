from .cases import Case, task

CASES = [
    Case("ECS-A1", good=task(family="api_v2-prod"), bad=task(family="api v2"), path=("family",)),
    Case("ECS-A1", good=task(family="a" * 255), bad=task(family="a" * 256), path=("family",), id="length"),
    Case("ECS-A2", good=task(), bad=task(containerDefinitions=[]), path=("containerDefinitions",)),
]
