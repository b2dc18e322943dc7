output "secret_arns" {
  description = "Full ARNs of the secrets."
  value       = module.secrets.arns
}

output "kms_key_arns" {
  description = "Keys a reader needs kms:Decrypt on."
  value       = module.secrets.kms_key_arns
}
