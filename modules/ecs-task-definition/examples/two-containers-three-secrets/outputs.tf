output "task_definition_arn" {
  description = "ARN of the task definition."
  value       = module.task_definition.arn
}

output "execution_role_arn" {
  description = "ARN of the execution role the module created."
  value       = module.task_definition.execution_role_arn
}

output "execution_policy" {
  description = "The derived execution role policy."
  value       = module.task_definition.execution_policy
}
