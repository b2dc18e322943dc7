module "secrets" {
  source = "../.."

  secrets = {
    db-password = {
      name                = "payments/db-password"
      description         = "Payments database password (rotated monthly)"
      rotation_lambda_arn = var.rotation_lambda_arn
      rotation_days       = 30
    }
    stripe-key = {
      name                    = "payments/stripe-key"
      description             = "Stripe API key"
      rotation_lambda_arn     = var.rotation_lambda_arn
      rotation_days           = 90
      recovery_window_in_days = 7
    }
  }

  tags = { team = "payments" }
}
