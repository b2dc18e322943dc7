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
  mock_resource "aws_efs_file_system" {
    defaults = { arn = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-12345678", id = "fs-12345678" }
  }
}

variables {
  name = "data"
  access_points = {
    app = {
      posix_user     = { uid = 1000, gid = 1000 }
      root_directory = { path = "/app", creation_info = { owner_uid = 1000, owner_gid = 1000, permissions = "750" } }
    }
  }
}

run "encrypted_with_a_created_key_and_tls_enforced" {
  assert {
    condition     = aws_efs_file_system.this.encrypted && aws_efs_file_system.this.kms_key_id == aws_kms_key.this[0].arn
    error_message = "The file system is encrypted with the created customer-managed key."
  }

  assert {
    condition     = length(aws_efs_file_system_policy.this) == 1
    error_message = "A file system policy refuses non-TLS access by default."
  }

  assert {
    condition     = aws_efs_access_point.this["app"].posix_user[0].uid == 1000 && aws_efs_access_point.this["app"].root_directory[0].path == "/app"
    error_message = "Access points enforce the POSIX user and root directory."
  }

  assert {
    condition     = length(aws_efs_mount_target.this) == 0 && length(aws_security_group.this) == 0
    error_message = "No subnets, no mount targets and no security group."
  }
}

run "mount_targets_reachable_only_from_the_tasks" {
  variables {
    kms_key_arn               = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    vpc_id                    = "vpc-0123456789abcdef0"
    subnet_ids                = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
    client_security_group_ids = ["sg-0123456789abcdef0"]
  }

  assert {
    condition     = length(aws_kms_key.this) == 0
    error_message = "A given key means no created key."
  }

  assert {
    condition     = length(aws_efs_mount_target.this) == 2 && length(aws_security_group.this) == 1
    error_message = "One mount target per subnet, behind one security group."
  }

  assert {
    condition     = [for r in aws_security_group_rule.nfs : [r.from_port, r.to_port, r.protocol, r.source_security_group_id]] == [[2049, 2049, "tcp", "sg-0123456789abcdef0"]]
    error_message = "Only NFS, only from the tasks' security groups."
  }
}

run "rejects_an_access_point_rooted_at_slash" {
  command = plan

  variables {
    access_points = {
      app = { posix_user = { uid = 1000, gid = 1000 }, root_directory = { path = "/" } }
    }
  }

  expect_failures = [var.access_points]
}
