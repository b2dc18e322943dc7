data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id

  containers = var.container_definitions

  # Fargate task sizes: cpu units -> allowed memory (MiB). Linux; Windows allows 1024-4096 cpu only.
  # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
  fargate_sizes = {
    "256"   = [512, 1024, 2048]
    "512"   = [1024, 2048, 3072, 4096]
    "1024"  = range(2048, 8192 + 1, 1024)
    "2048"  = range(4096, 16384 + 1, 1024)
    "4096"  = range(8192, 30720 + 1, 1024)
    "8192"  = range(16384, 61440 + 1, 4096)
    "16384" = range(32768, 122880 + 1, 8192)
  }
  fargate = contains(var.requires_compatibilities, "FARGATE")
  fargate_size_ok = !local.fargate || (
    var.cpu != null && var.memory != null &&
    contains(keys(local.fargate_sizes), coalesce(var.cpu, "0")) &&
    contains(lookup(local.fargate_sizes, coalesce(var.cpu, "0"), []), tonumber(coalesce(var.memory, "0")))
  )

  ##############################################################################
  # What the containers reference, read from the container definitions.
  # Values may be unknown until apply (an ARN from a resource in the same configuration), so every decision
  # that sets a count (whether a role is needed) uses only the shape of the definitions, never their values.
  ##############################################################################

  # secrets[].valueFrom and logConfiguration.secretOptions[].valueFrom: Secrets Manager ARNs or SSM parameters
  secret_refs = flatten([
    for c in local.containers : concat(
      [for s in try(c.secrets, []) : s.valueFrom],
      [for s in try(c.logConfiguration.secretOptions, []) : s.valueFrom],
    )
  ])
  repository_credentials = [
    for c in local.containers : c.repositoryCredentials.credentialsParameter if can(c.repositoryCredentials.credentialsParameter)
  ]

  # A Secrets Manager reference may add :json-key:version-stage:version-id; IAM names the secret itself
  # (arn:partition:secretsmanager:region:account:secret:name-suffix, the first seven fields).
  # A regex, not `startswith(v, "arn:") && split(":", v)[2] == ...`: Terraform < 1.12 evaluates both operands
  # of &&, and the index fails on an SSM parameter given by a bare name.
  secretsmanager_refs = concat(
    [for v in local.secret_refs : v if can(regex("^arn:[^:]+:secretsmanager:", v))],
    local.repository_credentials,
  )
  secretsmanager_arns = sort(distinct([
    for v in local.secretsmanager_refs : lookup(
      var.secret_arns,
      join(":", slice(split(":", v), 0, min(7, length(split(":", v))))),
      join(":", slice(split(":", v), 0, min(7, length(split(":", v))))),
    )
  ]))
  # Secrets Manager appends "-" and 6 random characters to a secret's name in its ARN. A reference without them (a
  # partial ARN, or repository credentials given by name) works for ECS, which resolves it, but an IAM policy that
  # names it matches no secret: such references must be mapped to their full ARN in var.secret_arns.
  unresolved_secrets = sort(distinct([
    for v in local.secretsmanager_arns : v
    if !can(regex("^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:.*-[A-Za-z0-9]{6}$", v))
  ]))

  # SSM parameters: an ARN as written, or a name in the task's region and account.
  ssm_parameter_arns = sort(distinct([
    for v in local.secret_refs : (
      startswith(v, "arn:") ? v :
      "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter${startswith(v, "/") ? "" : "/"}${v}"
    ) if !can(regex("^arn:[^:]+:secretsmanager:", v))
  ]))

  # awslogs groups (in the region the driver writes to), and the ones the driver may create itself
  awslogs = [
    for c in local.containers : c.logConfiguration.options
    if try(c.logConfiguration.logDriver, null) == "awslogs" && can(c.logConfiguration.options["awslogs-group"])
  ]
  log_group_names = sort(distinct([for o in local.awslogs : o["awslogs-group"]]))
  log_group_arns = sort(distinct([
    for o in local.awslogs : "arn:${local.partition}:logs:${try(o["awslogs-region"], local.region)}:${local.account_id}:log-group:${o["awslogs-group"]}:*"
  ]))
  log_groups_self_create = sort(distinct([
    for o in local.awslogs : "arn:${local.partition}:logs:${try(o["awslogs-region"], local.region)}:${local.account_id}:log-group:${o["awslogs-group"]}:*"
    # the driver reads the option with Go's strconv.ParseBool: every spelling of true asks for the permission
    if contains(["1", "t", "T", "TRUE", "true", "True"], try(o["awslogs-create-group"], "false"))
  ]))

  # Private ECR images: ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPOSITORY[:tag|@digest]
  ecr_pattern = "^([0-9]{12})\\.dkr\\.ecr(?:-fips)?\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+)"
  ecr_images  = [for c in local.containers : regex(local.ecr_pattern, c.image) if can(regex(local.ecr_pattern, c.image))]
  ecr_repository_arns = sort(distinct([
    for m in local.ecr_images : "arn:${local.partition}:ecr:${m[1]}:${m[0]}:repository/${m[2]}"
  ]))

  # S3 objects the agent reads: environmentFiles and FireLens configuration files
  s3_object_arns = sort(distinct(concat(
    flatten([for c in local.containers : [for f in try(c.environmentFiles, []) : f.value]]),
    [
      for c in local.containers : c.firelensConfiguration.options["config-file-value"]
      if try(c.firelensConfiguration.options["config-file-type"], null) == "s3"
    ],
  )))
  s3_bucket_arns = sort(distinct([for o in local.s3_object_arns : split("/", o)[0]]))

  # What makes an execution role necessary (known at plan time: the shape, not the values).
  needs_execution_role = anytrue([
    length(local.secret_refs) > 0,
    length(local.repository_credentials) > 0,
    length(local.ecr_images) > 0,
    length(local.awslogs) > 0,
    length(flatten([for c in local.containers : try(c.environmentFiles, [])])) > 0,
    length([for c in local.containers : c if try(c.firelensConfiguration.options["config-file-type"], null) == "s3"]) > 0,
  ])

  ##############################################################################
  # Execution role
  ##############################################################################

  execution_statements = concat(
    length(local.ecr_repository_arns) > 0 ? [
      {
        Sid    = "EcrAuthorizationToken"
        Effect = "Allow"
        Action = ["ecr:GetAuthorizationToken"]
        # ecr:GetAuthorizationToken supports no resource-level permissions: AWS requires "*".
        Resource = ["*"]
      },
      {
        Sid      = "EcrPull"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        Resource = local.ecr_repository_arns
      },
    ] : [],
    length(local.log_group_arns) > 0 ? [
      {
        Sid    = "Logs"
        Effect = "Allow"
        Action = ["logs:CreateLogStream", "logs:PutLogEvents"]
        # ECS names each stream when a task starts (prefix/container/task-id), so the streams cannot be listed:
        # AWS's documented form, log-group:NAME:*, is the only way to name them.
        Resource = local.log_group_arns
      },
    ] : [],
    length(local.log_groups_self_create) > 0 ? [
      {
        Sid      = "LogsCreateGroup"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup"]
        Resource = local.log_groups_self_create
      },
    ] : [],
    length(local.secretsmanager_arns) > 0 ? [
      {
        Sid      = "SecretsManager"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = local.secretsmanager_arns
      },
    ] : [],
    length(local.ssm_parameter_arns) > 0 ? [
      {
        Sid      = "SsmParameters"
        Effect   = "Allow"
        Action   = ["ssm:GetParameters"]
        Resource = local.ssm_parameter_arns
      },
    ] : [],
    length(var.kms_key_arns) > 0 ? [
      {
        Sid      = "KmsDecrypt"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = sort(distinct(var.kms_key_arns))
      },
    ] : [],
    length(local.s3_object_arns) > 0 ? [
      {
        Sid      = "S3Objects"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = local.s3_object_arns
      },
      {
        Sid      = "S3BucketLocation"
        Effect   = "Allow"
        Action   = ["s3:GetBucketLocation"]
        Resource = local.s3_bucket_arns
      },
    ] : [],
  )

  create_execution_role = var.execution_role_arn == null && coalesce(var.create_execution_role, local.needs_execution_role)
  execution_role_arn    = local.create_execution_role ? aws_iam_role.execution[0].arn : var.execution_role_arn
  execution_policy_json = jsonencode({ Version = "2012-10-17", Statement = local.execution_statements })

  ##############################################################################
  # Task role
  ##############################################################################

  # EFS volumes mounted with IAM authorization: ClientMount, plus ClientWrite unless every mount is read-only.
  efs_iam_volumes = [
    for v in var.volumes : v
    if v.efs_volume_configuration != null && try(v.efs_volume_configuration.authorization_config.iam, null) == "ENABLED"
  ]
  efs_statements = [
    for v in local.efs_iam_volumes : merge(
      {
        Sid    = "Efs${join("", [for w in regexall("[A-Za-z0-9]+", v.name) : title(w)])}"
        Effect = "Allow"
        Action = concat(
          ["elasticfilesystem:ClientMount"],
          alltrue(flatten([
            for c in local.containers : [for m in try(c.mountPoints, []) : try(m.readOnly, false) if m.sourceVolume == v.name]
          ])) ? [] : ["elasticfilesystem:ClientWrite"],
        )
        Resource = ["arn:${local.partition}:elasticfilesystem:${local.region}:${local.account_id}:file-system/${v.efs_volume_configuration.file_system_id}"]
      },
      try(v.efs_volume_configuration.authorization_config.access_point_id, null) == null ? {} : {
        Condition = {
          StringEquals = {
            "elasticfilesystem:AccessPointArn" = "arn:${local.partition}:elasticfilesystem:${local.region}:${local.account_id}:access-point/${v.efs_volume_configuration.authorization_config.access_point_id}"
          }
        }
      },
    )
  ]

  task_statements = concat(
    local.efs_statements,
    var.enable_execute_command ? [
      {
        Sid    = "EcsExec"
        Effect = "Allow"
        Action = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]
        # The ssmmessages channel actions support no resource-level permissions: AWS requires "*".
        Resource = ["*"]
      },
    ] : [],
    [
      for s in var.task_role_statements : merge(
        { Effect = s.effect, Action = s.actions, Resource = s.resources },
        s.sid == null ? {} : { Sid = s.sid },
        length(s.conditions) == 0 ? {} : {
          Condition = { for test in distinct([for c in s.conditions : c.test]) : test => {
            for c in s.conditions : c.variable => c.values if c.test == test
          } }
        },
      )
    ],
  )

  needs_task_role  = length(local.efs_iam_volumes) > 0 || var.enable_execute_command || length(var.task_role_statements) > 0
  create_task_role = var.task_role_arn == null && coalesce(var.create_task_role, local.needs_task_role || length(var.task_role_managed_policy_arns) > 0)
  task_role_arn    = local.create_task_role ? aws_iam_role.task[0].arn : var.task_role_arn
  task_policy_json = jsonencode({ Version = "2012-10-17", Statement = local.task_statements })
}

################################################################################
# Task definition
################################################################################

resource "aws_ecs_task_definition" "this" {
  #checkov:skip=CKV_AWS_97:checkov cannot read volumes built with dynamic blocks; the plan-JSON scan checks every volume's transit encryption.
  family                   = var.family
  container_definitions    = jsonencode(var.container_definitions)
  cpu                      = var.cpu
  memory                   = var.memory
  network_mode             = var.network_mode
  requires_compatibilities = var.requires_compatibilities
  execution_role_arn       = local.execution_role_arn
  task_role_arn            = local.task_role_arn
  pid_mode                 = var.pid_mode
  ipc_mode                 = var.ipc_mode
  enable_fault_injection   = var.enable_fault_injection
  track_latest             = var.track_latest
  skip_destroy             = var.skip_destroy

  dynamic "volume" {
    for_each = var.volumes
    content {
      name                = volume.value.name
      host_path           = volume.value.host_path
      configure_at_launch = volume.value.configure_at_launch

      dynamic "docker_volume_configuration" {
        for_each = volume.value.docker_volume_configuration == null ? [] : [volume.value.docker_volume_configuration]
        content {
          scope         = docker_volume_configuration.value.scope
          autoprovision = docker_volume_configuration.value.autoprovision
          driver        = docker_volume_configuration.value.driver
          driver_opts   = docker_volume_configuration.value.driver_opts
          labels        = docker_volume_configuration.value.labels
        }
      }

      dynamic "efs_volume_configuration" {
        for_each = volume.value.efs_volume_configuration == null ? [] : [volume.value.efs_volume_configuration]
        content {
          file_system_id          = efs_volume_configuration.value.file_system_id
          root_directory          = efs_volume_configuration.value.root_directory
          transit_encryption      = efs_volume_configuration.value.transit_encryption
          transit_encryption_port = efs_volume_configuration.value.transit_encryption_port

          dynamic "authorization_config" {
            for_each = efs_volume_configuration.value.authorization_config == null ? [] : [efs_volume_configuration.value.authorization_config]
            content {
              access_point_id = authorization_config.value.access_point_id
              iam             = authorization_config.value.iam
            }
          }
        }
      }

      dynamic "fsx_windows_file_server_volume_configuration" {
        for_each = volume.value.fsx_windows_file_server_volume_configuration == null ? [] : [volume.value.fsx_windows_file_server_volume_configuration]
        content {
          file_system_id = fsx_windows_file_server_volume_configuration.value.file_system_id
          root_directory = fsx_windows_file_server_volume_configuration.value.root_directory

          authorization_config {
            credentials_parameter = fsx_windows_file_server_volume_configuration.value.authorization_config.credentials_parameter
            domain                = fsx_windows_file_server_volume_configuration.value.authorization_config.domain
          }
        }
      }
    }
  }

  dynamic "placement_constraints" {
    for_each = var.placement_constraints
    content {
      type       = placement_constraints.value.type
      expression = placement_constraints.value.expression
    }
  }

  dynamic "proxy_configuration" {
    for_each = var.proxy_configuration == null ? [] : [var.proxy_configuration]
    content {
      type           = proxy_configuration.value.type
      container_name = proxy_configuration.value.container_name
      properties     = proxy_configuration.value.properties
    }
  }

  dynamic "inference_accelerator" {
    for_each = var.inference_accelerators
    content {
      device_name = inference_accelerator.value.device_name
      device_type = inference_accelerator.value.device_type
    }
  }

  dynamic "ephemeral_storage" {
    for_each = var.ephemeral_storage_gib == null ? [] : [var.ephemeral_storage_gib]
    content {
      size_in_gib = ephemeral_storage.value
    }
  }

  dynamic "runtime_platform" {
    for_each = var.runtime_platform == null ? [] : [var.runtime_platform]
    content {
      operating_system_family = runtime_platform.value.operating_system_family
      cpu_architecture        = runtime_platform.value.cpu_architecture
    }
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.this]

  lifecycle {
    precondition {
      condition     = local.fargate_size_ok
      error_message = "Fargate needs a cpu/memory pair from the Fargate table: cpu 256 takes memory 512, 1024 or 2048; 512 takes 1024-4096; 1024 takes 2048-8192; 2048 takes 4096-16384; 4096 takes 8192-30720 (1024 steps); 8192 takes 16384-61440 (4096 steps); 16384 takes 32768-122880 (8192 steps)."
    }

    precondition {
      condition     = !local.fargate || var.network_mode == "awsvpc"
      error_message = "Fargate supports only network_mode = \"awsvpc\"."
    }
  }
}

################################################################################
# Log groups
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest with service keys; a customer key (log_kms_key_arn) needs a key policy for the logs service, so it stays the caller's choice.
  for_each = var.create_log_groups ? toset(local.log_group_names) : toset([])

  name              = each.value
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

################################################################################
# Roles
################################################################################

data "aws_iam_policy_document" "execution_trust" {
  statement {
    sid     = "EcsTasks"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  count = local.create_execution_role ? 1 : 0

  name_prefix          = "${coalesce(var.execution_role_name_prefix, substr(var.family, 0, 32))}-exec-"
  path                 = var.execution_role_path
  permissions_boundary = var.execution_role_permissions_boundary
  assume_role_policy   = data.aws_iam_policy_document.execution_trust.json
  tags                 = var.tags
}

resource "aws_iam_role_policy" "execution" {
  count = local.create_execution_role && local.needs_execution_role ? 1 : 0

  name   = "ecsform-execution"
  role   = aws_iam_role.execution[0].id
  policy = local.execution_policy_json

  lifecycle {
    precondition {
      condition     = length(local.unresolved_secrets) == 0
      error_message = "The execution role would be granted secretsmanager:GetSecretValue on ${join(", ", local.unresolved_secrets)}, which lacks the 6-character suffix Secrets Manager appends to a secret's name: IAM matches no secret, and the task cannot read it. Pass the secret's full ARN (`aws secretsmanager describe-secret --secret-id NAME` prints it) in secret_arns = { \"${try(local.unresolved_secrets[0], "")}\" = \"arn:...:secret:NAME-AbCdEf\" }, or reference the full ARN in the container definitions."
    }
  }
}

data "aws_iam_policy_document" "task_trust" {
  statement {
    sid     = "EcsTasks"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "task" {
  count = local.create_task_role ? 1 : 0

  name_prefix          = "${coalesce(var.task_role_name_prefix, substr(var.family, 0, 32))}-task-"
  path                 = var.task_role_path
  permissions_boundary = var.task_role_permissions_boundary
  assume_role_policy   = data.aws_iam_policy_document.task_trust.json
  tags                 = var.tags
}

resource "aws_iam_role_policy" "task" {
  count = local.create_task_role && local.needs_task_role ? 1 : 0

  name   = "ecsform-task"
  role   = aws_iam_role.task[0].id
  policy = local.task_policy_json
}

resource "aws_iam_role_policy_attachment" "task" {
  for_each = local.create_task_role ? toset(var.task_role_managed_policy_arns) : toset([])

  role       = aws_iam_role.task[0].name
  policy_arn = each.value
}
