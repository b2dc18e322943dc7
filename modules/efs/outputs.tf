output "file_system_id" {
  description = "ID of the file system (a task volume's fileSystemId)."
  value       = aws_efs_file_system.this.id
}

output "file_system_arn" {
  description = "ARN of the file system."
  value       = aws_efs_file_system.this.arn
}

output "access_point_ids" {
  description = "Access point IDs by key (a task volume's authorizationConfig.accessPointId)."
  value       = { for k, ap in aws_efs_access_point.this : k => ap.id }
}

output "access_point_arns" {
  description = "Access point ARNs by key."
  value       = { for k, ap in aws_efs_access_point.this : k => ap.arn }
}

output "security_group_id" {
  description = "Security group of the mount targets (null without subnets)."
  value       = try(aws_security_group.this[0].id, null)
}

output "mount_target_ids" {
  description = "Mount target IDs by subnet."
  value       = { for s, mt in aws_efs_mount_target.this : s => mt.id }
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the file system."
  value       = coalesce(var.kms_key_arn, try(aws_kms_key.this[0].arn, null))
}
