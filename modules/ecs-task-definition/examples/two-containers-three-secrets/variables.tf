variable "region" {
  description = "AWS region of the task definition."
  type        = string
  default     = "us-east-1"
}

variable "api_image" {
  description = "Image of the api container (a pipeline passes the tag it built)."
  type        = string
  default     = "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/api:2.4.0"
}
