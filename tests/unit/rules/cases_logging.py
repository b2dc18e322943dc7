from .cases import ACCOUNT, BASE_EC2, EXECUTION_ROLE, REGION, TASK_ROLE, Case, container, with_containers

AWSLOGS = {"awslogs-group": "/ecs/app", "awslogs-region": REGION, "awslogs-stream-prefix": "ecs"}
NO_ROLE = {"executionRole": {"create": False}}
ROUTER = container(
    "log-router",
    image="public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
    firelensConfiguration={"type": "fluentbit"},
)
CW_OUTPUT = {"Name": "cloudwatch_logs", "region": REGION, "log_group_name": "/app/logs", "log_stream_prefix": "app-"}
S3_CONFIG = "arn:aws:s3:::config-bucket/fluent-bit/extra.conf"


def logs(driver="awslogs", options=None, base=None, **fields):
    log = {"logDriver": driver}
    if options is not None:
        log["options"] = options
    c = container(logConfiguration=log, **({"memory": 256} if base is BASE_EC2 else {}))
    return with_containers(c, base=base, **fields)


def firelens(options=None, router_options=None, base=None, **fields):
    router = dict(
        ROUTER, firelensConfiguration={"type": "fluentbit", **({"options": router_options} if router_options else {})}
    )
    app = container(logConfiguration={"logDriver": "awsfirelens", **({"options": options} if options else {})})
    if base is BASE_EC2:
        router, app = dict(router, memory=128), dict(app, memory=256)
    return with_containers(app, router, base=base, **fields)


CASES = [
    Case(
        "ECS-I2",
        good=logs("awslogs", AWSLOGS),
        bad=logs("json-file"),
        path=("containerDefinitions", 0, "logConfiguration", "logDriver"),
    ),
    Case("ECS-I2", good=logs("json-file", base=BASE_EC2), bad=logs("gelf"), id="ec2-ok"),
    Case(
        "ECS-I3",
        good=logs("awslogs", AWSLOGS),
        bad=logs("awslogs", {"awslogs-group": "/ecs/app", "awslogs-region": REGION}),
        path=("containerDefinitions", 0, "logConfiguration", "options"),
    ),
    Case(
        "ECS-I3",
        good=logs("awslogs", {"awslogs-group": "/ecs/app", "awslogs-region": REGION}, base=BASE_EC2),
        bad=logs("awslogs", {"awslogs-group": "/ecs/app"}, base=BASE_EC2),
        id="ec2",
    ),
    Case(
        "ECS-I4",
        good=logs("awslogs", dict(AWSLOGS, mode="non-blocking")),
        bad=logs("awslogs", dict(AWSLOGS, **{"awslogs-stream": "x"})),
        path=("containerDefinitions", 0, "logConfiguration", "options", "awslogs-stream"),
    ),
    Case(
        "ECS-I5",
        good=logs("awslogs", dict(AWSLOGS, **{"awslogs-create-group": "true"})),
        bad=logs("awslogs", dict(AWSLOGS, **{"awslogs-create-group": "yes"})),
        path=("containerDefinitions", 0, "logConfiguration", "options", "awslogs-create-group"),
        severity="error",
    ),
    # the driver reads the option with strconv.ParseBool: the ADOT collector's ECS examples write "True"
    Case(
        "ECS-I5",
        good=logs("awslogs", dict(AWSLOGS, **{"awslogs-create-group": "True"})),
        bad=logs("awslogs", dict(AWSLOGS, **{"awslogs-create-group": "on"})),
        path=("containerDefinitions", 0, "logConfiguration", "options", "awslogs-create-group"),
        id="parsebool",
    ),
    Case(
        "ECS-I5",
        good=logs("awslogs", dict(AWSLOGS, mode="non-blocking", **{"max-buffer-size": "25m"})),
        bad=logs("awslogs", dict(AWSLOGS, mode="blocking", **{"max-buffer-size": "25m"})),
        id="buffer",
    ),
    Case(
        "ECS-I5",
        good=logs("awslogs", dict(AWSLOGS, mode="non-blocking", **{"max-buffer-size": "25m"}), base=BASE_EC2),
        bad=logs("awslogs", dict(AWSLOGS, mode="blocking", **{"max-buffer-size": "25m"}), base=BASE_EC2),
        path=("containerDefinitions", 0, "logConfiguration", "options", "max-buffer-size"),
        note="Docker refuses the pair (daemon/logger ValidateLogOpts): the container never starts on EC2",
        severity="error",
        id="buffer-ec2",
    ),
    Case(
        "ECS-I5",
        good=logs("awslogs", dict(AWSLOGS, **{"awslogs-multiline-pattern": "^INFO"})),
        bad=logs(
            "awslogs", dict(AWSLOGS, **{"awslogs-multiline-pattern": "^INFO", "awslogs-datetime-format": "%Y-%m-%d"})
        ),
        id="both-patterns",
    ),
    Case(
        "ECS-I6",
        good=logs("awslogs", AWSLOGS, executionRoleArn=EXECUTION_ROLE),
        bad=logs("awslogs", AWSLOGS),
        path=("containerDefinitions", 0, "logConfiguration", "logDriver"),
        extension=NO_ROLE,
    ),
    Case(
        "ECS-I7",
        good=with_containers(
            container(
                logConfiguration={
                    "logDriver": "splunk",
                    "options": {"splunk-url": "https://splunk.example.com:8088"},
                    "secretOptions": [{"name": "splunk-token", "valueFrom": "/splunk/token"}],
                }
            )
        ),
        bad=logs("splunk", {"splunk-url": "https://splunk.example.com:8088"}),
        path=("containerDefinitions", 0, "logConfiguration", "options"),
    ),
    Case(
        "ECS-I8",
        good=firelens(),
        bad=with_containers(container(logConfiguration={"logDriver": "awsfirelens"})),
        path=("containerDefinitions", 0, "logConfiguration", "logDriver"),
    ),
    Case(
        "ECS-I9",
        good=firelens(),
        bad=with_containers(container(), ROUTER),
        path=("containerDefinitions", 1, "firelensConfiguration"),
    ),
    Case(
        "ECS-I10",
        good=firelens(router_options={"enable-ecs-log-metadata": "true"}),
        bad=firelens(router_options={"enable-ecs-metadata": "true"}),
        path=("containerDefinitions", 1, "firelensConfiguration", "options", "enable-ecs-metadata"),
    ),
    Case(
        "ECS-I10",
        good=firelens(router_options={"config-file-type": "file", "config-file-value": "/fluent-bit/etc/extra.conf"}),
        bad=firelens(router_options={"config-file-type": "s3", "config-file-value": S3_CONFIG}),
        path=("containerDefinitions", 1, "firelensConfiguration", "options", "config-file-type"),
        id="fargate-s3",
    ),
    Case(
        "ECS-I10",
        good=firelens(router_options={"config-file-type": "s3", "config-file-value": S3_CONFIG}, base=BASE_EC2),
        bad=firelens(
            router_options={"config-file-type": "s3", "config-file-value": "s3://config-bucket/x.conf"}, base=BASE_EC2
        ),
        id="s3-arn",
    ),
    Case(
        "ECS-M4",
        good=firelens({"Name": "stdout"}, taskRoleArn=TASK_ROLE),
        bad=firelens(CW_OUTPUT, taskRoleArn=TASK_ROLE),
        path=("taskRoleArn",),
        id="firelens-output",
    ),
    Case(
        "ECS-I11",
        good=firelens({"Name": "kinesis_firehose", "region": REGION, "delivery_stream": "app"}),
        bad=firelens(CW_OUTPUT),
        path=("containerDefinitions", 0, "logConfiguration", "options", "Name"),
        extension={
            "taskRole": {
                "statements": [
                    {
                        "actions": ["firehose:PutRecordBatch"],
                        "resources": [f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/app"],
                    }
                ]
            }
        },
        id="managed-role",
    ),
    Case(
        "ECS-M4",
        good=firelens(router_options={"config-file-type": "s3", "config-file-value": S3_CONFIG}, base=BASE_EC2),
        bad=firelens(
            router_options={"config-file-type": "s3", "config-file-value": S3_CONFIG},
            base=BASE_EC2,
            executionRoleArn=EXECUTION_ROLE,
        ),
        path=("executionRoleArn",),
        id="firelens-s3-config",
    ),
    Case(
        "ECS-I12",
        good=logs("syslog", base=BASE_EC2),
        bad=logs("journald", base=BASE_EC2),
        path=("containerDefinitions", 0, "logConfiguration", "logDriver"),
    ),
    # Fargate reads the configuration from the image only (BC FirelensConfiguration.options): an error; an option ECS
    # does not document is a warning
    Case(
        "ECS-I10",
        good=firelens(
            {"Name": "cloudwatch_logs"}, {"config-file-type": "file", "config-file-value": "/fluent-bit/extra.conf"}
        ),
        bad=firelens({"Name": "cloudwatch_logs"}, {"config-file-type": "s3", "config-file-value": S3_CONFIG}),
        path=("containerDefinitions", 1, "firelensConfiguration", "options", "config-file-type"),
        severity="error",
        id="fargate-s3",
    ),
    Case(
        "ECS-I10",
        good=firelens({"Name": "cloudwatch_logs"}, {"enable-ecs-log-metadata": "false"}),
        bad=firelens({"Name": "cloudwatch_logs"}, {"enable-ecs-metadata": "false"}),
        path=("containerDefinitions", 1, "firelensConfiguration", "options", "enable-ecs-metadata"),
        severity="warning",
        id="unknown-option",
    ),
]
