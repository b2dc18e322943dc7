"""The peer in the synth benchmark: what a team writes by hand with CDK for Terraform and HashiCorp's prebuilt AWS
provider bindings (cdktf-cdktf-provider-aws), one stack per spec with the task definition and its execution role.

    .venv-peer/bin/python scripts/peer_cdk_app.py SPEC_FOLDER OUT_FOLDER

It reads each spec as plain JSON and passes the fields through: no validation, no overlays, no IAM derived from
use, so it does less than ecsform does; the comparison favours the peer.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.ecs_task_definition import EcsTaskDefinition
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


class ServiceStack(TerraformStack):
    def __init__(self, scope: Construct, name: str, spec: dict) -> None:
        super().__init__(scope, name)
        AwsProvider(self, "aws", region="us-east-1")
        role = IamRole(self, "execution", name_prefix=spec["family"][:32], assume_role_policy=TRUST)
        IamRolePolicyAttachment(self, "execution_policy", role=role.name, policy_arn=EXECUTION_POLICY)
        EcsTaskDefinition(
            self,
            "task",
            family=spec["family"],
            cpu=str(spec.get("cpu")),
            memory=str(spec.get("memory")),
            network_mode=spec.get("networkMode"),
            requires_compatibilities=spec.get("requiresCompatibilities"),
            execution_role_arn=role.arn,
            container_definitions=json.dumps(spec["containerDefinitions"]),
        )


def main() -> None:
    specs, out = Path(sys.argv[1]), sys.argv[2]
    app = App(outdir=out)
    for path in sorted(specs.glob("*.json")):
        spec = json.loads(path.read_text())
        ServiceStack(app, spec["family"], spec)
    app.synth()


if __name__ == "__main__":
    main()
