output "arns" {
  description = "Full ARNs of the secrets (with Secrets Manager's random suffix), by key."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}

output "names" {
  description = "Names of the secrets, by key."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.name }
}

output "kms_key_arns" {
  description = "ARNs of the KMS keys that encrypt the secrets, by key (what a reader needs kms:Decrypt on)."
  value       = { for k, s in var.secrets : k => coalesce(s.kms_key_arn, try(aws_kms_key.this[0].arn, null)) }
}

output "created_kms_key_arn" {
  description = "ARN of the KMS key the module created (null when every secret names its own key)."
  value       = try(aws_kms_key.this[0].arn, null)
}
