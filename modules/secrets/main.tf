data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  # Secrets that name no key of their own share one customer-managed key created here.
  needs_key = length([for k, s in var.secrets : k if s.kms_key_arn == null]) > 0
}

################################################################################
# Customer-managed key
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
################################################################################

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:AWS's default key policy: the account root delegates key use to IAM policies.
  #checkov:skip=CKV_AWS_111:AWS's default key policy: the account root delegates key use to IAM policies.
  #checkov:skip=CKV_AWS_356:In a key policy, Resource "*" means this key only.
  # The account administers and uses the key through IAM policies (the execution role gets kms:Decrypt there).
  statement {
    sid       = "AccountAdministersThroughIam"
    actions   = ["kms:*"]
    resources = ["*"] # In a key policy, "*" means this key: AWS requires it.

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "this" {
  count = local.needs_key ? 1 : 0

  description             = "Secrets Manager secrets: ${join(", ", sort([for k, s in var.secrets : s.name if s.kms_key_arn == null]))}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

################################################################################
# Secrets (containers only: values are put by whoever owns them)
################################################################################

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:Rotation needs a rotation Lambda the caller owns; set rotation_lambda_arn and rotation_days to enable it.
  for_each = var.secrets

  name                    = each.value.name
  description             = each.value.description
  kms_key_id              = coalesce(each.value.kms_key_arn, try(aws_kms_key.this[0].arn, null))
  recovery_window_in_days = each.value.recovery_window_in_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_rotation" "this" {
  #checkov:skip=CKV_AWS_304:The period is the caller's rotation_days, which checkov cannot read through for_each; the plan-JSON scan checks the value.
  for_each = { for k, s in var.secrets : k => s if s.rotation_lambda_arn != null }

  secret_id           = aws_secretsmanager_secret.this[each.key].id
  rotation_lambda_arn = each.value.rotation_lambda_arn

  rotation_rules {
    automatically_after_days = each.value.rotation_days
  }
}
