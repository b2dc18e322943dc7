variable "secrets" {
  description = "Secrets Manager secrets to create, by key. The module creates the secret containers only, never their values. A secret without kms_key_arn is encrypted with a customer-managed key the module creates (one for all such secrets)."
  type = map(object({
    name                    = string
    description             = optional(string)
    kms_key_arn             = optional(string)
    rotation_lambda_arn     = optional(string)
    rotation_days           = optional(number)
    recovery_window_in_days = optional(number, 30)
  }))

  validation {
    condition     = alltrue([for k, s in var.secrets : can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", s.name))])
    error_message = "Secret names are 1-512 characters from [A-Za-z0-9/_+=.@-]."
  }

  validation {
    condition     = alltrue([for k, s in var.secrets : s.recovery_window_in_days == 0 || (s.recovery_window_in_days >= 7 && s.recovery_window_in_days <= 30)])
    error_message = "recovery_window_in_days must be 0 or 7-30."
  }

  validation {
    condition     = alltrue([for k, s in var.secrets : (s.rotation_lambda_arn == null) == (s.rotation_days == null)])
    error_message = "Rotation needs both rotation_lambda_arn and rotation_days."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the created KMS key is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be 7-30."
  }
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
