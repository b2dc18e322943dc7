"""TaskView: a task as the IAM derivation reads it. The rules' Context extends it (generators/rules/registry.py),
so a rule passes its context as it is; permissions.py builds one for the roles a root creates.

The task is the loaded document after the field checks (badly typed values removed), so every read here checks
the type of what it finds.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterator

from ..arns import ROLE_ARN, implied_regions
from ..errors import FieldPath

if TYPE_CHECKING:
    from ..spec.extensions import Extension
    from ..target import Target


class TaskView:
    """The task (its ECS fields), its x-ecsform block and its deploy target, with the questions the derivation asks:
    which roles the task brings or ecsform creates, its containers and volumes, and its region."""

    def __init__(self, task: dict[str, Any], ext: "Extension | None" = None, target: "Target | None" = None) -> None:
        if ext is None:  # (imported here, and only then: a rule's context always has its block)
            from ..spec.extensions import Extension

            ext = Extension()
        self.task = task
        self.ext: Extension = ext
        self.target = target  # where the task deploys (ecsform.yaml); None without a configuration

    def with_task(self, task: dict[str, Any]) -> "TaskView":
        """A view of `task`, the same task as this one's but for its role fields (permissions.py puts in the roles
        a root creates), with what this view computed already that does not depend on them: its containers, its
        volumes and its region."""
        view = TaskView(task, self.ext, self.target)
        for name in _ROLE_FREE:
            if name in self.__dict__:
                view.__dict__[name] = self.__dict__[name]
        return view

    # --- roles ---------------------------------------------------------------------------------------------
    @property
    def execution_role_arn(self) -> str | None:
        arn = self.task.get("executionRoleArn")
        return arn if isinstance(arn, str) else None

    @property
    def task_role_arn(self) -> str | None:
        arn = self.task.get("taskRoleArn")
        return arn if isinstance(arn, str) else None

    @property
    def execution_role_possible(self) -> bool:
        """True when the task will have an execution role: one is named, or ecsform may create one."""
        return self.execution_role_arn is not None or self.ext.execution_role.create is not False

    @property
    def execution_role_managed(self) -> bool:
        """True when ecsform creates the execution role (so it grants exactly what the task references)."""
        return self.execution_role_arn is None and self.ext.execution_role.create is not False

    @property
    def task_role_possible(self) -> bool:
        return self.task_role_arn is not None or self.ext.task_role.create is not False

    @property
    def task_role_managed(self) -> bool:
        return self.task_role_arn is None and self.ext.task_role.create is not False

    # --- containers and volumes ----------------------------------------------------------------------------
    def containers(self) -> list[tuple[FieldPath, dict[str, Any]]]:
        """(path, container) for every container that is a mapping (computed once per task)."""
        cached: list[tuple[FieldPath, dict[str, Any]]] | None = self.__dict__.get("_containers")
        if cached is None:
            cached = [
                (("containerDefinitions", i), c)
                for i, c in enumerate(self.task.get("containerDefinitions", []))
                if isinstance(c, dict)
            ]
            self.__dict__["_containers"] = cached
        return cached

    def volumes(self) -> list[tuple[FieldPath, dict[str, Any]]]:
        """(path, volume) for every volume that is a mapping (listed once per task; each caller gets its copy)."""
        cached: list[tuple[FieldPath, dict[str, Any]]] | None = self.__dict__.get("_volume_list")
        if cached is None:
            cached = self.__dict__["_volume_list"] = list(self._volumes())
        return list(cached)

    def _volumes(self) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
        for i, v in enumerate(self.task.get("volumes", [])):
            if isinstance(v, dict):
                yield ("volumes", i), v

    # --- region --------------------------------------------------------------------------------------------
    @cached_property
    def region(self) -> str | None:
        """The region ecsform would choose without --region: the deploy target's, else x-ecsform.region, else the
        one the spec implies (the choice plan.build makes). Computed once per task."""
        if self.target is not None and self.target.region:
            return self.target.region
        if self.ext.region:
            return self.ext.region
        for tier in implied_regions(self.task):
            if tier:
                return tier[0] if len(tier) == 1 else None
        return None


_ROLE_FREE = ("_containers", "_volume_list", "region")  # TaskView's cached facts that no role field decides


def role_account(arn: str | None) -> tuple[str | None, str]:
    """(account, partition) of a role ARN; (None, "aws") when it is not one."""
    m = ROLE_ARN.match(arn or "")
    return (m.group(2), m.group(1)) if m else (None, "aws")
