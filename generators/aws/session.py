"""A boto3 session for a deploy target, and what goes wrong talking to AWS as findings (never a traceback).

    target  = target_for(plan, options)       # ONE place that builds a root's Target from the command line
    aws     = connect(target, root)           # STS assume-role when the target names a role, else the default chain
    aws.client("secretsmanager", region=...)  # cached clients, standard retries (throttling is retried)
    aws.account                               # sts:GetCallerIdentity, once

Region, first found: `--region`, the target's region (the spec's region until ecsform.yaml names one), then
AWS_REGION, then AWS_DEFAULT_REGION, then the AWS configuration (profile). boto3 itself reads only
AWS_DEFAULT_REGION, which is why `import --from-aws` with only AWS_REGION exported used to say "You must specify
a region".
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..errors import ECSFORM_INTERNAL, Check, EcsformError, FieldPath, Finding, Severity
from ..target import Target

if TYPE_CHECKING:
    from ..options import Options
    from ..plan import Plan


# The findings this module raises (collected by the catalog: generators/rules).
AWS_CREDENTIALS = Check(
    "AWS-CREDENTIALS", Severity.ERROR, "No valid AWS credentials (none found, expired, or rejected)."
)
AWS_REGION = Check(
    "AWS-REGION",
    Severity.ERROR,
    "No AWS region: neither --region, the spec, AWS_REGION, AWS_DEFAULT_REGION nor the profile names one.",
)
AWS_ASSUME_ROLE = Check("AWS-ASSUME-ROLE", Severity.ERROR, "The target's role cannot be assumed.")
AWS_ACCOUNT = Check("AWS-ACCOUNT", Severity.ERROR, "The credentials are for another account than the target's.")
AWS_ACCESS_DENIED = Check(
    "AWS-ACCESS-DENIED", Severity.ERROR, "A read-only AWS call was refused: the identity lacks the permission."
)
AWS_THROTTLED = Check("AWS-THROTTLED", Severity.ERROR, "AWS throttled a call after retries.")
AWS_ENDPOINT = Check("AWS-ENDPOINT", Severity.ERROR, "The AWS endpoint cannot be reached.")
AWS_ERROR = Check("AWS-ERROR", Severity.ERROR, "Another AWS error.")


E = Severity.ERROR
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")


def resolve_region(*choices: str | None) -> str | None:
    """The first region given (command line, target), else AWS_REGION, else AWS_DEFAULT_REGION; None when none
    is set (boto3 then reads the profile's region)."""
    for value in (*choices, *(os.environ.get(name) for name in REGION_VARIABLES)):
        if value:
            return value
    return None


def target_for(plan: "Plan", options: "Options") -> Target:
    """The deploy target of one root: ecsform.yaml's (its account, region, role and tags) when the project has one,
    with `--region` and `--role-arn` over it, as for synth."""
    base = plan.target or Target(environment=plan.environment)
    return replace(base, region=options.region or plan.region, role_arn=options.role_arn or base.role_arn)


# --- errors -----------------------------------------------------------------------------------------------------

CREDENTIAL_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
        "AuthFailure",
        "InvalidSignatureException",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)
DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "UnauthorizedException",
        "Forbidden",
        "403",
    }
)
THROTTLED_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "RequestThrottledException",
    }
)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ("" for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def aws_finding(exc: BaseException, doing: str, path: FieldPath = ("family",), *, region: str | None = None) -> Finding:
    """A finding for an AWS call that failed for a reason that is not about the spec: credentials, permissions,
    throttling, the endpoint. `doing` names the call ("secretsmanager:DescribeSecret on X")."""
    import botocore.exceptions as bx

    code = error_code(exc)
    message = f"{doing}: {exc}"
    if (
        isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError, bx.CredentialRetrievalError))
        or code in CREDENTIAL_CODES
    ):
        return AWS_CREDENTIALS.finding(
            message,
            path=path,
            hint="give credentials for the target account (AWS_PROFILE, AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or an instance or CI role); check them with "
            "`aws sts get-caller-identity`",
        )
    if isinstance(exc, bx.NoRegionError):
        return AWS_REGION.finding(
            message, path=path, hint="pass --region, set x-ecsform.region in the spec, or export AWS_REGION"
        )
    if code in DENIED_CODES:
        return AWS_ACCESS_DENIED.finding(
            message,
            path=path,
            hint=f"allow {doing.split(' ', 1)[0]} to the identity ecsform runs with (these checks only read)",
        )
    if code in THROTTLED_CODES:
        return AWS_THROTTLED.finding(
            f"{message} (after retrying)",
            path=path,
            hint="run again later, or raise AWS_MAX_ATTEMPTS (ecsform retries throttled calls)",
        )
    if isinstance(
        exc,
        (
            bx.EndpointConnectionError,
            bx.ConnectTimeoutError,
            bx.ReadTimeoutError,
            bx.ConnectionClosedError,
            bx.ProxyConnectionError,
            bx.SSLError,
        ),
    ):
        where = f" in {region}" if region else ""
        return AWS_ENDPOINT.finding(
            message, path=path, hint=f"check the network, the region{where} and AWS_ENDPOINT_URL if one is set"
        )
    return AWS_ERROR.finding(
        message,
        path=path,
        hint="see the AWS error above; run again with the same credentials using the AWS CLI to reproduce it",
    )


def is_aws_error(exc: BaseException) -> bool:
    import botocore.exceptions as bx

    return isinstance(exc, (bx.BotoCoreError, bx.ClientError))


# --- sessions ---------------------------------------------------------------------------------------------------


@dataclass
class Aws:
    """One session for one target: clients per (service, region), the caller's account and partition. With a
    `command`, every call is held to that command's row of generators/aws/actions.py: the roles `ecsform bootstrap`
    makes allow exactly those actions, so a call outside the row is a bug of ecsform, stopped here."""

    session: Any  # boto3.session.Session
    region: str
    target: Target
    command: str | None = None
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)
    _identity: dict[str, str] | None = None

    def client(self, service: str, region: str | None = None) -> Any:
        from botocore.config import Config

        key = (service, region or self.region)
        if key not in self._clients:
            config = Config(
                retries={"mode": "standard", "max_attempts": int(os.environ.get("AWS_MAX_ATTEMPTS") or 5)},
                connect_timeout=10,
                read_timeout=60,
                user_agent_extra="ecsform",
            )
            client = self.session.client(service, region_name=key[1], config=config)
            if self.command is not None:
                client.meta.events.register("before-call", _held_to(self.command))
            self._clients[key] = client
        return self._clients[key]

    def identity(self) -> dict[str, str]:
        if self._identity is None:
            response = self.client("sts").get_caller_identity()
            self._identity = {"account": response["Account"], "arn": response["Arn"]}
        return self._identity

    @property
    def account(self) -> str:
        return self.identity()["account"]

    @property
    def partition(self) -> str:
        arn = self.identity()["arn"]
        return arn.split(":", 2)[1] if arn.startswith("arn:") else "aws"


def _held_to(command: str) -> Any:
    """A botocore before-call handler that lets through only the actions generators/aws/actions.py lists for
    `command`."""
    from . import actions

    allowed = actions.actions(command) | actions.UNGOVERNED

    def check(model: Any, **_: Any) -> None:
        action = actions.iam_action(model.service_model.signing_name, model.name)
        if action not in allowed:
            raise EcsformError(
                [
                    ECSFORM_INTERNAL.finding(
                        f"{command} called {action}, which generators/aws/actions.py does not list for it (the roles "
                        "ecsform bootstrap makes would refuse it)",
                        path=("family",),
                        hint="a bug in ecsform: please report it with this message",
                    )
                ]
            )

    return check


def connect(target: Target, root: str = "ecsform", region: str | None = None, command: str | None = None) -> Aws:
    """A session for the target, its identity checked (one sts:GetCallerIdentity). Raises EcsformError with an
    AWS-* finding when there are no credentials, the role cannot be assumed, the endpoint cannot be reached, or
    the credentials are for another account than the target's."""
    import boto3

    chosen = resolve_region(region, target.region)
    try:
        base = boto3.session.Session(region_name=chosen) if chosen else boto3.session.Session()
        chosen = chosen or base.region_name
        if not chosen:
            raise EcsformError(
                [
                    AWS_REGION.finding(
                        "no AWS region: the spec names none and neither "
                        "--region, AWS_REGION nor AWS_DEFAULT_REGION is set",
                        path=("family",),
                        hint="pass --region, set x-ecsform.region in the spec, or export AWS_REGION",
                    )
                ]
            )
        session = base
        if target.role_arn:
            session = _assume(base, target, root, chosen)
        aws = Aws(session, chosen, target, command)
        aws.identity()
    except EcsformError:
        raise
    except Exception as exc:
        if not is_aws_error(exc):
            raise
        raise EcsformError([aws_finding(exc, "sts:GetCallerIdentity", region=chosen)]) from None
    if target.account_id and aws.account != target.account_id:
        raise EcsformError(
            [
                AWS_ACCOUNT.finding(
                    f"the credentials are for account {aws.account}, the target is account {target.account_id}",
                    path=("family",),
                    hint="use credentials of the target account, or a role in it",
                )
            ]
        )
    return aws


def _assume(base: Any, target: Target, root: str, region: str) -> Any:
    import boto3

    try:
        creds = base.client("sts", region_name=region).assume_role(
            RoleArn=target.role_arn, RoleSessionName=target.session_name(root)
        )["Credentials"]
    except Exception as exc:
        if not is_aws_error(exc):
            raise
        finding = aws_finding(exc, f"sts:AssumeRole on {target.role_arn}", region=region)
        if finding.rule in (AWS_ACCESS_DENIED.id, AWS_ERROR.id):
            finding = AWS_ASSUME_ROLE.finding(
                finding.message,
                path=finding.path,
                hint=f"the role's trust policy must let the caller assume it, and the caller's policy "
                f"must allow sts:AssumeRole on {target.role_arn}",
            )
        raise EcsformError([finding]) from None
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )


class Sessions:
    """Sessions shared by the roots of one command: one per distinct (role, region, account)."""

    def __init__(self, region: str | None = None, command: str | None = None) -> None:
        self.region = region
        self.command = command  # the row of generators/aws/actions.py its calls are held to
        self._cache: dict[tuple[str | None, str | None, str | None], Aws | EcsformError] = {}

    def get(self, target: Target, root: str) -> Aws:
        key = (target.role_arn, resolve_region(self.region, target.region), target.account_id)
        if key not in self._cache:
            try:
                self._cache[key] = connect(target, root, self.region, self.command)
            except EcsformError as exc:
                self._cache[key] = exc
        found = self._cache[key]
        if isinstance(found, EcsformError):
            raise found
        return found
