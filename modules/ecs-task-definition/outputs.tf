output "arn" {
  description = "ARN of the task definition, with its revision."
  value       = aws_ecs_task_definition.this.arn
}

output "arn_without_revision" {
  description = "ARN of the task definition without the revision (resolves to the latest ACTIVE revision)."
  value       = aws_ecs_task_definition.this.arn_without_revision
}

output "family" {
  description = "Family of the task definition."
  value       = aws_ecs_task_definition.this.family
}

output "revision" {
  description = "Revision of the task definition."
  value       = aws_ecs_task_definition.this.revision
}

output "execution_role_arn" {
  description = "ARN of the execution role: the one created here, the one passed in, or null when none is needed."
  value       = local.execution_role_arn
}

output "execution_role_name" {
  description = "Name of the execution role created here (null when none was created)."
  value       = try(aws_iam_role.execution[0].name, null)
}

output "task_role_arn" {
  description = "ARN of the task role: the one created here, the one passed in, or null when none is needed."
  value       = local.task_role_arn
}

output "task_role_name" {
  description = "Name of the task role created here (null when none was created)."
  value       = try(aws_iam_role.task[0].name, null)
}

output "execution_policy" {
  description = "The execution role policy derived from the container definitions (JSON; null when the module created no execution role policy)."
  value       = local.create_execution_role && local.needs_execution_role ? local.execution_policy_json : null
}

output "task_policy" {
  description = "The task role policy derived from volumes, ECS Exec and the given statements (JSON; null when the module created no task role policy)."
  value       = local.create_task_role && local.needs_task_role ? local.task_policy_json : null
}

output "log_group_names" {
  description = "Names of the CloudWatch log groups the containers write to."
  value       = local.log_group_names
}

output "log_group_arns" {
  description = "ARNs of the log groups created here, by name."
  value       = { for name, g in aws_cloudwatch_log_group.this : name => g.arn }
}
