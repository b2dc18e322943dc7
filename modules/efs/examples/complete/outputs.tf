output "file_system_id" {
  description = "The file system a task volume mounts."
  value       = module.efs.file_system_id
}

output "access_point_ids" {
  description = "Access points by key."
  value       = module.efs.access_point_ids
}
