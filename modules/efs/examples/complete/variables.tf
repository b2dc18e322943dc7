variable "region" {
  description = "AWS region of the file system."
  type        = string
  default     = "us-east-1"
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
  default     = "vpc-0123456789abcdef0"
}

variable "subnet_ids" {
  description = "Private subnets of the tasks, one per availability zone."
  type        = list(string)
  default     = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
}

variable "task_security_group_id" {
  description = "Security group of the tasks that mount the file system."
  type        = string
  default     = "sg-0123456789abcdef0"
}
