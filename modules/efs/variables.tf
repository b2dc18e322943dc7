variable "name" {
  description = "Name of the file system (its Name tag, and the prefix of its security group)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,128}$", var.name))
    error_message = "name must be 1-128 characters from [A-Za-z0-9_.-]."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key that encrypts the file system. When null the module creates one (rotation enabled)."
  type        = string
  default     = null
}

variable "performance_mode" {
  description = "generalPurpose or maxIO."
  type        = string
  default     = "generalPurpose"

  validation {
    condition     = contains(["generalPurpose", "maxIO"], var.performance_mode)
    error_message = "performance_mode must be generalPurpose or maxIO."
  }
}

variable "throughput_mode" {
  description = "bursting, elastic or provisioned."
  type        = string
  default     = "elastic"

  validation {
    condition     = contains(["bursting", "elastic", "provisioned"], var.throughput_mode)
    error_message = "throughput_mode must be bursting, elastic or provisioned."
  }
}

variable "provisioned_throughput_in_mibps" {
  description = "Throughput for throughput_mode = provisioned."
  type        = number
  default     = null
}

variable "access_points" {
  description = "Access points by key: each enforces a POSIX user and roots clients in a directory below / (created with creation_info when missing)."
  type = map(object({
    posix_user = object({
      uid            = number
      gid            = number
      secondary_gids = optional(list(number), [])
    })
    root_directory = object({
      path = string
      creation_info = optional(object({
        owner_uid   = number
        owner_gid   = number
        permissions = string
      }))
    })
  }))
  default = {}

  validation {
    condition     = alltrue([for k, ap in var.access_points : ap.root_directory.path != "/" && startswith(ap.root_directory.path, "/")])
    error_message = "An access point's root directory must be an absolute path below / (never / itself)."
  }
}

variable "subnet_ids" {
  description = "Subnets to create mount targets in (one per availability zone). No mount targets when empty."
  type        = list(string)
  default     = []
}

variable "vpc_id" {
  description = "VPC of the subnets; required with subnet_ids (the mount targets' security group lives there)."
  type        = string
  default     = null
}

variable "client_security_group_ids" {
  description = "Security groups of the tasks that mount the file system: the only sources allowed to reach NFS (TCP 2049)."
  type        = list(string)
  default     = []
}

variable "enforce_tls" {
  description = "Attach a file system policy that denies every request not made over TLS."
  type        = bool
  default     = true
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the created KMS key is deleted."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
