mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mocked-AbCdEf" }
  }
}

run "secrets_without_a_key_share_one_created_key" {
  variables {
    secrets = {
      db  = { name = "app/db" }
      api = { name = "app/api", description = "API token" }
    }
  }

  assert {
    condition     = length(aws_kms_key.this) == 1 && aws_kms_key.this[0].enable_key_rotation
    error_message = "One customer-managed key with rotation for the secrets that name none."
  }

  assert {
    condition     = alltrue([for k, s in aws_secretsmanager_secret.this : s.kms_key_id == aws_kms_key.this[0].arn])
    error_message = "Every secret without a key uses the created key."
  }

  assert {
    condition     = output.kms_key_arns == { api = aws_kms_key.this[0].arn, db = aws_kms_key.this[0].arn }
    error_message = "kms_key_arns tells the reader which key to decrypt with."
  }

  assert {
    condition     = length(aws_secretsmanager_secret_rotation.this) == 0
    error_message = "No rotation without a rotation Lambda."
  }
}

run "a_given_key_is_used_and_none_created" {
  variables {
    secrets = {
      db = { name = "app/db", kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555" }
    }
  }

  assert {
    condition     = length(aws_kms_key.this) == 0
    error_message = "No key is created when every secret names one."
  }

  assert {
    condition     = aws_secretsmanager_secret.this["db"].kms_key_id == "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    error_message = "The given key encrypts the secret."
  }
}

run "rotation_when_a_lambda_is_given" {
  variables {
    secrets = {
      db = { name = "app/db", rotation_lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:rotate", rotation_days = 30 }
    }
  }

  assert {
    condition     = aws_secretsmanager_secret_rotation.this["db"].rotation_rules[0].automatically_after_days == 30
    error_message = "Rotation every 30 days."
  }
}

run "rejects_half_configured_rotation" {
  command = plan

  variables {
    secrets = { db = { name = "app/db", rotation_days = 30 } }
  }

  expect_failures = [var.secrets]
}

run "rejects_a_bad_recovery_window" {
  command = plan

  variables {
    secrets = { db = { name = "app/db", recovery_window_in_days = 3 } }
  }

  expect_failures = [var.secrets]
}
