# terraform test with a mocked AWS provider: no credentials, no network. What it checks is the module's own
# logic (derived IAM, which roles exist, validations); drift is checked by applying against moto (tests/e2e).

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1" }
  }
}

variables {
  family                   = "app"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "256"
  memory                   = "512"
}

run "public_image_needs_no_role" {
  command = plan

  variables {
    container_definitions = [{ name = "app", image = "public.ecr.aws/nginx/nginx:1.27" }]
  }

  assert {
    condition     = length(aws_iam_role.execution) == 0 && length(aws_iam_role.task) == 0
    error_message = "A task that references nothing must get no role."
  }

  assert {
    condition     = output.execution_policy == null && output.task_policy == null
    error_message = "No policy without a role."
  }
}

run "secrets_logs_and_ecr_derive_exact_arns" {
  command = plan

  variables {
    container_definitions = [
      {
        name  = "api"
        image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api:1.0"
        secrets = [
          { name = "A", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::" },
          { name = "B", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:user::" },
          { name = "C", valueFrom = "/app/flags" },
          { name = "D", valueFrom = "arn:aws:ssm:us-east-1:123456789012:parameter/app/token" },
        ]
        logConfiguration = {
          logDriver = "awslogs"
          options   = { "awslogs-group" = "/ecs/app", "awslogs-region" = "us-east-1", "awslogs-stream-prefix" = "api" }
        }
      },
      {
        name                  = "sidecar"
        image                 = "public.ecr.aws/docker/library/busybox:1.36"
        essential             = false
        dependsOn             = [{ containerName = "api", condition = "START" }]
        repositoryCredentials = { credentialsParameter = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hub-Zz9Yx8" }
        logConfiguration = {
          logDriver = "awslogs"
          options   = { "awslogs-group" = "/ecs/app", "awslogs-region" = "us-east-1", "awslogs-stream-prefix" = "sidecar" }
        }
      },
    ]
  }

  assert {
    condition     = length(aws_iam_role.execution) == 1 && length(aws_iam_role_policy.execution) == 1
    error_message = "Secrets, logs and a private image need an execution role with a policy."
  }

  assert {
    condition = [for s in jsondecode(output.execution_policy).Statement : s.Resource if s.Sid == "SecretsManager"][0] == [
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:hub-Zz9Yx8",
    ]
    error_message = "GetSecretValue must name each secret once, without the json-key suffix."
  }

  assert {
    condition = [for s in jsondecode(output.execution_policy).Statement : s.Resource if s.Sid == "SsmParameters"][0] == [
      "arn:aws:ssm:us-east-1:123456789012:parameter/app/flags",
      "arn:aws:ssm:us-east-1:123456789012:parameter/app/token",
    ]
    error_message = "A bare parameter name must expand to its ARN in the task's region and account."
  }

  assert {
    condition     = [for s in jsondecode(output.execution_policy).Statement : s.Resource if s.Sid == "EcrPull"][0] == ["arn:aws:ecr:us-east-1:123456789012:repository/team/api"]
    error_message = "Image pulls must be limited to the referenced repository."
  }

  assert {
    condition     = keys(aws_cloudwatch_log_group.this) == ["/ecs/app"] && aws_cloudwatch_log_group.this["/ecs/app"].retention_in_days == 365
    error_message = "One log group per distinct awslogs-group, with the default retention."
  }

  assert {
    condition     = [for s in jsondecode(output.execution_policy).Statement : s.Resource if s.Sid == "Logs"][0] == ["arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*"]
    error_message = "Log streams of exactly the named group, in the awslogs-region."
  }

  assert {
    condition     = length([for s in jsondecode(output.execution_policy).Statement : s if contains(s.Resource, "*") && s.Sid != "EcrAuthorizationToken"]) == 0
    error_message = "Only ecr:GetAuthorizationToken may use a wildcard resource."
  }
}

run "brought_roles_are_used_not_created" {
  command = plan

  variables {
    execution_role_arn = "arn:aws:iam::123456789012:role/exec"
    task_role_arn      = "arn:aws:iam::123456789012:role/task"
    container_definitions = [{
      name    = "app"
      image   = "public.ecr.aws/nginx/nginx:1.27"
      secrets = [{ name = "A", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbCdEf" }]
    }]
  }

  assert {
    condition     = length(aws_iam_role.execution) == 0 && length(aws_iam_role.task) == 0
    error_message = "Roles passed by ARN must not be created."
  }

  assert {
    condition     = output.execution_role_arn == "arn:aws:iam::123456789012:role/exec" && output.task_role_arn == "arn:aws:iam::123456789012:role/task"
    error_message = "The given ARNs must reach the task definition."
  }
}

run "partial_secret_arns_use_the_resolved_arn" {
  command = plan

  variables {
    secret_arns = { "arn:aws:secretsmanager:us-east-1:123456789012:secret:legacy" = "arn:aws:secretsmanager:us-east-1:123456789012:secret:legacy-Qw3Er5" }
    container_definitions = [{
      name    = "app"
      image   = "public.ecr.aws/nginx/nginx:1.27"
      secrets = [{ name = "A", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:legacy:key::" }]
    }]
  }

  assert {
    condition     = [for s in jsondecode(output.execution_policy).Statement : s.Resource if s.Sid == "SecretsManager"][0] == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:legacy-Qw3Er5"]
    error_message = "A partial ARN must be granted through its resolved full ARN."
  }
}

run "efs_with_access_point_and_exec" {
  command = plan

  variables {
    enable_execute_command = true
    task_role_path         = "/ecs/"
    task_role_name_prefix  = "app"
    volumes = [
      {
        name = "data"
        efs_volume_configuration = {
          file_system_id       = "fs-12345678"
          transit_encryption   = "ENABLED"
          authorization_config = { access_point_id = "fsap-0123456789abcdef0", iam = "ENABLED" }
        }
      },
      {
        name = "ro"
        efs_volume_configuration = {
          file_system_id       = "fs-87654321"
          transit_encryption   = "ENABLED"
          authorization_config = { iam = "ENABLED" }
        }
      },
    ]
    container_definitions = [{
      name        = "app"
      image       = "public.ecr.aws/nginx/nginx:1.27"
      mountPoints = [{ sourceVolume = "data", containerPath = "/data" }, { sourceVolume = "ro", containerPath = "/ro", readOnly = true }]
    }]
  }

  assert {
    condition     = length(aws_iam_role.task) == 1 && aws_iam_role.task[0].path == "/ecs/" && startswith(aws_iam_role.task[0].name_prefix, "app-task-")
    error_message = "EFS with IAM authorization needs a task role, with the given path and prefix."
  }

  assert {
    condition = [for s in jsondecode(output.task_policy).Statement : s if s.Sid == "EfsData"][0] == {
      Sid       = "EfsData"
      Effect    = "Allow"
      Action    = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
      Resource  = ["arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-12345678"]
      Condition = { StringEquals = { "elasticfilesystem:AccessPointArn" = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0" } }
    }
    error_message = "EFS access is scoped to the file system and conditioned on the access point."
  }

  assert {
    condition     = [for s in jsondecode(output.task_policy).Statement : s.Action if s.Sid == "EfsRo"][0] == ["elasticfilesystem:ClientMount"]
    error_message = "Read-only mounts get no ClientWrite."
  }

  assert {
    condition     = length([for s in jsondecode(output.task_policy).Statement : s if s.Sid == "EcsExec"]) == 1
    error_message = "ECS Exec needs the ssmmessages channel actions."
  }

  assert {
    condition     = length(aws_iam_role.execution) == 0
    error_message = "Nothing here needs an execution role."
  }
}

run "log_groups_can_be_left_to_others" {
  command = plan

  variables {
    create_log_groups = false
    container_definitions = [{
      name  = "app"
      image = "public.ecr.aws/nginx/nginx:1.27"
      logConfiguration = {
        logDriver = "awslogs"
        options   = { "awslogs-group" = "/ecs/app", "awslogs-region" = "us-east-1", "awslogs-stream-prefix" = "app", "awslogs-create-group" = "true" }
      }
    }]
  }

  assert {
    condition     = length(aws_cloudwatch_log_group.this) == 0
    error_message = "create_log_groups = false creates no log group."
  }

  assert {
    condition     = [for s in jsondecode(output.execution_policy).Statement : [s.Action, s.Resource] if s.Sid == "LogsCreateGroup"][0] == [["logs:CreateLogGroup"], ["arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app:*"]]
    error_message = "awslogs-create-group = true needs logs:CreateLogGroup on that group."
  }
}

run "log_group_creation_reads_go_booleans" {
  command = plan

  variables {
    container_definitions = [
      {
        name  = "collector"
        image = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0"
        logConfiguration = {
          logDriver = "awslogs"
          options   = { "awslogs-group" = "/ecs/collector", "awslogs-region" = "us-east-1", "awslogs-stream-prefix" = "ecs", "awslogs-create-group" = "True" }
        }
      },
      {
        name  = "app"
        image = "public.ecr.aws/nginx/nginx:1.27"
        logConfiguration = {
          logDriver = "awslogs"
          options   = { "awslogs-group" = "/ecs/app", "awslogs-region" = "us-east-1", "awslogs-stream-prefix" = "app", "awslogs-create-group" = "False" }
        }
      },
    ]
  }

  assert {
    condition     = [for s in jsondecode(output.execution_policy).Statement : s.Resource if s.Sid == "LogsCreateGroup"] == [["arn:aws:logs:us-east-1:123456789012:log-group:/ecs/collector:*"]]
    error_message = "The awslogs driver reads awslogs-create-group with strconv.ParseBool: \"True\" needs logs:CreateLogGroup, \"False\" does not."
  }
}

run "rejects_a_bad_family" {
  command = plan

  variables {
    family                = "my app"
    container_definitions = [{ name = "app", image = "nginx" }]
  }

  expect_failures = [var.family]
}

run "rejects_unit_strings_for_cpu" {
  command = plan

  variables {
    cpu                   = "1 vCPU"
    container_definitions = [{ name = "app", image = "nginx" }]
  }

  expect_failures = [var.cpu]
}

run "rejects_a_fargate_size_that_does_not_exist" {
  command = plan

  variables {
    cpu                   = "256"
    memory                = "4096"
    container_definitions = [{ name = "app", image = "nginx" }]
  }

  expect_failures = [aws_ecs_task_definition.this]
}

run "rejects_efs_iam_without_transit_encryption" {
  command = plan

  variables {
    volumes = [{
      name                     = "data"
      efs_volume_configuration = { file_system_id = "fs-12345678", transit_encryption = "DISABLED", authorization_config = { iam = "ENABLED" } }
    }]
    container_definitions = [{ name = "app", image = "nginx" }]
  }

  expect_failures = [var.volumes]
}

run "rejects_a_wildcard_action" {
  command = plan

  variables {
    task_role_statements  = [{ actions = ["*"], resources = ["arn:aws:s3:::bucket/key"] }]
    container_definitions = [{ name = "app", image = "nginx" }]
  }

  expect_failures = [var.task_role_statements]
}

run "rejects_a_partial_secret_arn_without_its_full_arn" {
  command = plan

  variables {
    container_definitions = [{
      name    = "app"
      image   = "public.ecr.aws/nginx/nginx:1.27"
      secrets = [{ name = "A", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:legacy:key::" }]
    }]
  }

  expect_failures = [aws_iam_role_policy.execution]
}

run "rejects_repository_credentials_by_name_without_their_full_arn" {
  command = plan

  variables {
    container_definitions = [{
      name                  = "app"
      image                 = "registry.example.com/team/app:1.0"
      repositoryCredentials = { credentialsParameter = "hub-credentials" }
    }]
  }

  expect_failures = [aws_iam_role_policy.execution]
}

run "skip_destroy_defaults_to_deregistering" {
  command = plan

  variables {
    container_definitions = [{ name = "app", image = "public.ecr.aws/nginx/nginx:1.27" }]
  }

  assert {
    condition     = aws_ecs_task_definition.this.skip_destroy == false
    error_message = "Without skip_destroy the replaced revision is deregistered, as the provider does by default."
  }
}

run "skip_destroy_keeps_the_old_revision" {
  command = plan

  variables {
    container_definitions = [{ name = "app", image = "public.ecr.aws/nginx/nginx:1.27" }]
    skip_destroy          = true
  }

  assert {
    condition     = aws_ecs_task_definition.this.skip_destroy == true
    error_message = "skip_destroy must reach the task definition."
  }
}

run "skip_destroy_null_means_the_default" {
  command = plan

  variables {
    container_definitions = [{ name = "app", image = "public.ecr.aws/nginx/nginx:1.27" }]
    skip_destroy          = null
  }

  assert {
    condition     = aws_ecs_task_definition.this.skip_destroy == false
    error_message = "A null skip_destroy (nullable = false) takes the default."
  }
}
