variable "region" {
  description = "AWS region of the secrets."
  type        = string
  default     = "us-east-1"
}

variable "rotation_lambda_arn" {
  description = "Lambda that rotates the database password."
  type        = string
  default     = "arn:aws:lambda:us-east-1:123456789012:function:rotate-payments-db"
}
