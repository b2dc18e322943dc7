from .cases import ACCOUNT, EXECUTION_ROLE, REGION, Case, container, with_containers

SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-AbCdEf"
PARAM = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/db-url"
NO_ROLE = {"executionRole": {"create": False}}
ENV_FILE = "arn:aws:s3:::config-bucket/app/prod.env"


def secrets(*values, role=None, **fields):
    c = container(secrets=[{"name": f"S{i}", "valueFrom": v} for i, v in enumerate(values)], **fields)
    return with_containers(c, executionRoleArn=role)


CASES = [
    Case(
        "ECS-H1",
        good=with_containers(container(environment=[{"name": "A", "value": "1"}])),
        bad=with_containers(container(environment=[{"name": " ", "value": "1"}])),
        path=("containerDefinitions", 0, "environment", 0, "name"),
    ),
    Case(
        "ECS-H1",
        good=with_containers(container(environment=[{"name": "A"}])),
        bad=with_containers(container(environment=[{"value": "1"}])),
        path=("containerDefinitions", 0, "environment", 0),
        id="missing",
    ),
    Case(
        "ECS-H2",
        good=with_containers(
            container(secrets=[{"name": "A", "valueFrom": SECRET}, {"name": "B", "valueFrom": SECRET}])
        ),
        bad=with_containers(container(secrets=[{"name": "A", "valueFrom": SECRET}, {"name": "A", "valueFrom": PARAM}])),
        path=("containerDefinitions", 0, "secrets", 1, "name"),
    ),
    Case(
        "ECS-H3",
        good=with_containers(
            container(secrets=[{"name": "A", "valueFrom": SECRET}], environment=[{"name": "B", "value": "x"}])
        ),
        bad=with_containers(
            container(secrets=[{"name": "A", "valueFrom": SECRET}], environment=[{"name": "A", "value": "x"}])
        ),
        path=("containerDefinitions", 0, "secrets", 0, "name"),
    ),
    Case(
        "ECS-H4",
        good=secrets(SECRET, role=EXECUTION_ROLE),
        bad=secrets(SECRET),
        path=("containerDefinitions", 0, "secrets"),
        extension=NO_ROLE,
    ),
    Case("ECS-H4", good=secrets(PARAM, role=EXECUTION_ROLE), bad=secrets(PARAM), extension=NO_ROLE, id="param"),
    Case(
        "ECS-H5",
        good=secrets(SECRET, f"{SECRET}:password::", f"{SECRET}::AWSPREVIOUS:"),
        bad=secrets(f"{SECRET}:password"),
        path=("containerDefinitions", 0, "secrets", 0, "valueFrom"),
    ),
    Case(
        "ECS-H5",
        good=secrets(f"{SECRET}:password:AWSCURRENT:"),
        bad=secrets(f"{SECRET}:password:AWSCURRENT:3f2a"),
        id="stage-and-id",
    ),
    Case(
        "ECS-H5",
        good=secrets(SECRET, role=EXECUTION_ROLE),
        bad=secrets(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db", role=EXECUTION_ROLE),
        path=("containerDefinitions", 0, "secrets", 0, "valueFrom"),
        id="partial",
    ),
    # ecsform creates the execution role: it resolves the partial ARN itself (a data source), nothing to warn about
    Case(
        "ECS-H5",
        good=secrets(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db"),
        bad=secrets(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db", role=EXECUTION_ROLE),
        id="partial-resolved",
    ),
    Case(
        "ECS-H5",
        good=secrets(SECRET),
        bad=secrets(f"arn:aws:secretsmanager::{ACCOUNT}:secret:db-AbCdEf"),
        id="no-region",
    ),
    Case(
        "ECS-H6",
        good=secrets(PARAM, "app-db-url", "/app/db-url", "/app/db-url:3"),
        bad=secrets("arn:aws:s3:::bucket/secret.txt"),
        path=("containerDefinitions", 0, "secrets", 0, "valueFrom"),
    ),
    Case("ECS-H6", good=secrets(PARAM), bad=secrets(f"arn:aws:ssm:{REGION}:{ACCOUNT}:secret/db"), id="ssm-arn"),
    Case("ECS-H6", good=secrets("/app/db-url"), bad=secrets("app db url"), id="name"),
    Case(
        "ECS-H7",
        good=secrets(f"{SECRET}:password::"),
        bad=secrets(f"{PARAM}:password::"),
        path=("containerDefinitions", 0, "secrets", 0, "valueFrom"),
    ),
    Case("ECS-H7", good=secrets("db-url"), bad=secrets("db-connection:password::"), id="bare-name"),
    Case(
        "ECS-H7",
        good=with_containers(container(repositoryCredentials={"credentialsParameter": SECRET})),
        bad=with_containers(container(repositoryCredentials={"credentialsParameter": f"{SECRET}:username::"})),
        path=("containerDefinitions", 0, "repositoryCredentials", "credentialsParameter"),
        id="credentials",
    ),
    Case(
        "ECS-M4",
        good=secrets(SECRET, PARAM),
        bad=secrets(SECRET, "db-url", role=EXECUTION_ROLE),
        path=("executionRoleArn",),
        note="good: ecsform creates the role; bad: the brought role must read the secret and the parameter",
        id="secrets",
    ),
    Case(
        "ECS-H11",
        good=with_containers(container(repositoryCredentials={"credentialsParameter": SECRET})),
        bad=with_containers(container(repositoryCredentials={"credentialsParameter": PARAM})),
        path=("containerDefinitions", 0, "repositoryCredentials", "credentialsParameter"),
    ),
    Case(
        "ECS-H12",
        good=with_containers(container(environmentFiles=[{"type": "s3", "value": ENV_FILE}])),
        bad=with_containers(container(environmentFiles=[{"type": "s3", "value": "s3://config-bucket/app/prod.env"}])),
        path=("containerDefinitions", 0, "environmentFiles", 0, "value"),
    ),
    Case(
        "ECS-H12",
        good=with_containers(container(environmentFiles=[{"type": "s3", "value": ENV_FILE}] * 10)),
        bad=with_containers(container(environmentFiles=[{"type": "s3", "value": ENV_FILE}] * 11)),
        path=("containerDefinitions", 0, "environmentFiles"),
        id="count",
    ),
    Case(
        "ECS-H12",
        good=with_containers(container(environmentFiles=[{"type": "s3", "value": ENV_FILE}])),
        bad=with_containers(container(environmentFiles=[{"type": "s3", "value": "arn:aws:s3:::b-1/app.txt"}])),
        id="extension",
    ),
    Case(
        "ECS-M4",
        good=with_containers(container(environmentFiles=[{"type": "s3", "value": ENV_FILE}])),
        bad=with_containers(
            container(environmentFiles=[{"type": "s3", "value": ENV_FILE}]), executionRoleArn=EXECUTION_ROLE
        ),
        path=("executionRoleArn",),
        id="environment-files",
    ),
    Case(
        "ECS-H6",
        good=secrets(PARAM),
        bad=secrets("arn:aws:s3:::config-bucket/db-url"),
        path=("containerDefinitions", 0, "secrets", 0, "valueFrom"),
        severity="error",
        id="registered",
    ),
    Case(
        "ECS-H7",
        good=secrets(f"{SECRET}:password::"),
        bad=secrets(f"{PARAM}:password::"),
        path=("containerDefinitions", 0, "secrets", 0, "valueFrom"),
        severity="error",
        id="registered",
    ),
    Case(
        "ECS-H11",
        good=with_containers(container(repositoryCredentials={"credentialsParameter": SECRET})),
        bad=with_containers(container(repositoryCredentials={"credentialsParameter": PARAM})),
        path=("containerDefinitions", 0, "repositoryCredentials", "credentialsParameter"),
        severity="error",
        id="registered",
    ),
    Case(
        "ECS-H12",
        good=with_containers(container(environmentFiles=[{"type": "s3", "value": ENV_FILE}])),
        bad=with_containers(container(environmentFiles=[{"type": "s3", "value": "s3://config-bucket/app/prod.env"}])),
        path=("containerDefinitions", 0, "environmentFiles", 0, "value"),
        severity="error",
        id="registered",
    ),
    Case(
        "ECS-H12",
        good=with_containers(container(environmentFiles=[{"type": "s3", "value": ENV_FILE}] * 10)),
        bad=with_containers(container(environmentFiles=[{"type": "s3", "value": ENV_FILE}] * 11)),
        path=("containerDefinitions", 0, "environmentFiles"),
        severity="error",
        id="count",
    ),
]
