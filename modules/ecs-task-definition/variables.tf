################################################################################
# Task definition
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
################################################################################

variable "family" {
  description = "Task definition family: 1-255 letters, digits, hyphens and underscores."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.family))
    error_message = "family must be 1-255 characters from [A-Za-z0-9_-]."
  }
}

variable "container_definitions" {
  description = "Container definitions in the ECS API shape (camelCase keys, as RegisterTaskDefinition takes them). IAM for secrets, parameters, logs, images and environment files is derived from them."
  type        = any

  validation {
    condition     = can(length(var.container_definitions)) && length(var.container_definitions) >= 1 && length(var.container_definitions) <= 10
    error_message = "container_definitions must hold 1 to 10 containers."
  }

  validation {
    condition     = alltrue([for c in var.container_definitions : can(regex("^[A-Za-z0-9_-]{1,255}$", c.name))])
    error_message = "Every container needs a name of 1-255 characters from [A-Za-z0-9_-]."
  }
}

variable "cpu" {
  description = "Task CPU units as an integer string (\"256\", \"1024\"). Required for Fargate."
  type        = string
  default     = null

  validation {
    condition     = var.cpu == null || can(regex("^[0-9]+$", var.cpu))
    error_message = "cpu must be an integer string such as \"512\"; unit strings such as \"1 vCPU\" make every plan replace the task definition."
  }
}

variable "memory" {
  description = "Task memory in MiB as an integer string (\"512\", \"2048\"). Required for Fargate."
  type        = string
  default     = null

  validation {
    condition     = var.memory == null || can(regex("^[0-9]+$", var.memory))
    error_message = "memory must be an integer string such as \"1024\"; unit strings such as \"2 GB\" make every plan replace the task definition."
  }
}

variable "network_mode" {
  description = "Docker networking mode: awsvpc, bridge, host or none. Fargate requires awsvpc."
  type        = string
  default     = null

  validation {
    condition     = var.network_mode == null || contains(["awsvpc", "bridge", "host", "none"], coalesce(var.network_mode, "awsvpc"))
    error_message = "network_mode must be one of awsvpc, bridge, host, none."
  }
}

variable "requires_compatibilities" {
  description = "Launch types the task definition is validated against: EC2, FARGATE, EXTERNAL."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.requires_compatibilities : contains(["EC2", "FARGATE", "EXTERNAL"], c)])
    error_message = "requires_compatibilities may contain EC2, FARGATE and EXTERNAL (the hashicorp/aws 5.x provider accepts no other)."
  }
}

variable "pid_mode" {
  description = "Process namespace: host or task."
  type        = string
  default     = null
}

variable "ipc_mode" {
  description = "IPC namespace: host, task or none. Not supported on Fargate."
  type        = string
  default     = null
}

variable "placement_constraints" {
  description = "Placement constraints (type memberOf with a cluster query language expression). Not supported on Fargate."
  type = list(object({
    type       = string
    expression = optional(string)
  }))
  default = []
}

variable "proxy_configuration" {
  description = "App Mesh proxy configuration."
  type = object({
    container_name = string
    type           = optional(string, "APPMESH")
    properties     = optional(map(string), {})
  })
  default = null
}

variable "inference_accelerators" {
  description = "Elastic Inference accelerators (device_name, device_type)."
  type = list(object({
    device_name = string
    device_type = string
  }))
  default = []
}

variable "ephemeral_storage_gib" {
  description = "Fargate ephemeral storage in GiB (21-200). Null keeps the 20 GiB default."
  type        = number
  default     = null

  validation {
    condition     = var.ephemeral_storage_gib == null || (coalesce(var.ephemeral_storage_gib, 21) >= 21 && coalesce(var.ephemeral_storage_gib, 21) <= 200)
    error_message = "ephemeral_storage_gib must be between 21 and 200."
  }
}

variable "runtime_platform" {
  description = "Operating system family and CPU architecture."
  type = object({
    operating_system_family = optional(string)
    cpu_architecture        = optional(string)
  })
  default = null
}

variable "enable_fault_injection" {
  description = "Enable fault injection (null leaves it unset)."
  type        = bool
  default     = null
}

variable "volumes" {
  description = "Task volumes in the provider's shape (snake_case). EFS volumes mounted with IAM authorization get a task role permission scoped to the file system and access point."
  type = list(object({
    name                = string
    host_path           = optional(string)
    configure_at_launch = optional(bool)
    docker_volume_configuration = optional(object({
      scope         = optional(string)
      autoprovision = optional(bool)
      driver        = optional(string)
      driver_opts   = optional(map(string))
      labels        = optional(map(string))
    }))
    efs_volume_configuration = optional(object({
      file_system_id          = string
      root_directory          = optional(string)
      transit_encryption      = optional(string)
      transit_encryption_port = optional(number)
      authorization_config = optional(object({
        access_point_id = optional(string)
        iam             = optional(string)
      }))
    }))
    fsx_windows_file_server_volume_configuration = optional(object({
      file_system_id = string
      root_directory = string
      authorization_config = object({
        credentials_parameter = string
        domain                = string
      })
    }))
  }))
  default = []

  validation {
    condition     = length(var.volumes) == length(distinct([for v in var.volumes : v.name]))
    error_message = "Volume names must be unique."
  }

  validation {
    condition = alltrue([
      for v in var.volumes : v.efs_volume_configuration == null || (
        try(v.efs_volume_configuration.authorization_config.iam, null) != "ENABLED" &&
        try(v.efs_volume_configuration.authorization_config.access_point_id, null) == null
      ) || try(v.efs_volume_configuration.transit_encryption, null) == "ENABLED"
    ])
    error_message = "An EFS volume that uses IAM authorization or an access point needs transit_encryption = \"ENABLED\"."
  }
}

variable "track_latest" {
  description = "Track the latest ACTIVE revision, for pipelines that register revisions outside Terraform."
  type        = bool
  default     = false
}

variable "skip_destroy" {
  description = "Keep the old revision ACTIVE when Terraform replaces or destroys the task definition (a deploy that fails can roll back to it); false deregisters it (INACTIVE)."
  type        = bool
  default     = false
  nullable    = false # the type and nullable are the validation: a string such as "yes" is refused, null means false
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}

################################################################################
# Execution role: pulls images, writes logs, reads secrets for the ECS agent
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
################################################################################

variable "execution_role_arn" {
  description = "Bring your own execution role. When null, the module creates one if the containers need it (private ECR images, awslogs, secrets, environment files, repository credentials, FireLens config in S3)."
  type        = string
  default     = null

  validation {
    condition     = var.execution_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", coalesce(var.execution_role_arn, "x")))
    error_message = "execution_role_arn must be an IAM role ARN."
  }
}

variable "create_execution_role" {
  description = "Create the execution role: null decides from the container definitions, true or false forces it (use it when images or references are unknown until apply)."
  type        = bool
  default     = null
}

variable "secret_arns" {
  description = "Full ARNs for Secrets Manager references written without the random suffix (by name or partial ARN), keyed by the secret part of the reference (arn:...:secret:NAME, without :json-key:stage:version; or the bare name a repositoryCredentials entry uses). ecsform resolves them with the aws_secretsmanager_secret data source."
  type        = map(string)
  default     = {}
}

variable "kms_key_arns" {
  description = "Customer-managed KMS keys that encrypt the referenced secrets or parameters; the execution role gets kms:Decrypt on exactly these."
  type        = list(string)
  default     = []
}

################################################################################
# Task role: what the application itself may do
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
################################################################################

variable "create_task_role" {
  description = "Create the task role: null decides from what needs it, true or false forces it."
  type        = bool
  default     = null
}

variable "task_role_arn" {
  description = "Bring your own task role. When null, the module creates one if something needs it (EFS with IAM authorization, ECS Exec, task_role_statements, task_role_managed_policy_arns)."
  type        = string
  default     = null

  validation {
    condition     = var.task_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", coalesce(var.task_role_arn, "x")))
    error_message = "task_role_arn must be an IAM role ARN."
  }
}

variable "enable_execute_command" {
  description = "Grant the task role the ssmmessages channel actions that ECS Exec needs."
  type        = bool
  default     = false
}

variable "task_role_statements" {
  description = "Extra IAM statements for the task role."
  type = list(object({
    sid       = optional(string)
    effect    = optional(string, "Allow")
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.task_role_statements : length(s.actions) > 0 && length(s.resources) > 0])
    error_message = "Every task role statement needs at least one action and one resource."
  }

  validation {
    condition     = alltrue([for s in var.task_role_statements : !contains(s.actions, "*")])
    error_message = "A task role statement may not allow every action (\"*\")."
  }
}

variable "task_role_managed_policy_arns" {
  description = "Managed policies to attach to the created task role."
  type        = list(string)
  default     = []
}

################################################################################
# Role names, paths and boundaries (for the roles the module creates)
################################################################################

variable "execution_role_name_prefix" {
  description = "Name prefix of the created execution role (a suffix keeps it unique). Defaults to the family."
  type        = string
  default     = null

  validation {
    condition     = var.execution_role_name_prefix == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,32}$", coalesce(var.execution_role_name_prefix, "x")))
    error_message = "execution_role_name_prefix must be 1-32 characters from [A-Za-z0-9+=,.@_-]."
  }
}

variable "execution_role_path" {
  description = "IAM path of the created execution role."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]{0,510}/)?$", var.execution_role_path))
    error_message = "execution_role_path must start and end with a slash."
  }
}

variable "execution_role_permissions_boundary" {
  description = "ARN of a permissions boundary for the created execution role."
  type        = string
  default     = null
}

variable "task_role_name_prefix" {
  description = "Name prefix of the created task role (a suffix keeps it unique). Defaults to the family."
  type        = string
  default     = null

  validation {
    condition     = var.task_role_name_prefix == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,32}$", coalesce(var.task_role_name_prefix, "x")))
    error_message = "task_role_name_prefix must be 1-32 characters from [A-Za-z0-9+=,.@_-]."
  }
}

variable "task_role_path" {
  description = "IAM path of the created task role."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]{0,510}/)?$", var.task_role_path))
    error_message = "task_role_path must start and end with a slash."
  }
}

variable "task_role_permissions_boundary" {
  description = "ARN of a permissions boundary for the created task role."
  type        = string
  default     = null
}

################################################################################
# Log groups
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
################################################################################

variable "create_log_groups" {
  description = "Create one CloudWatch log group per distinct awslogs-group the containers name."
  type        = bool
  default     = true
}

variable "log_retention_in_days" {
  description = "Retention of the created log groups."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key that encrypts the created log groups."
  type        = string
  default     = null
}
