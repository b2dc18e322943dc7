data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

################################################################################
# Customer-managed key
# https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html
################################################################################

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:AWS's default key policy: the account root delegates key use to IAM policies.
  #checkov:skip=CKV_AWS_111:AWS's default key policy: the account root delegates key use to IAM policies.
  #checkov:skip=CKV_AWS_356:In a key policy, Resource "*" means this key only.
  # The account administers and uses the key through IAM policies.
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
  count = var.kms_key_arn == null ? 1 : 0

  description             = "EFS file system ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

################################################################################
# File system
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html
################################################################################

resource "aws_efs_file_system" "this" {
  #checkov:skip=CKV2_AWS_18:Backups are the owner's choice (AWS Backup plans live outside this module).
  encrypted                       = true
  kms_key_id                      = coalesce(var.kms_key_arn, try(aws_kms_key.this[0].arn, null))
  performance_mode                = var.performance_mode
  throughput_mode                 = var.throughput_mode
  provisioned_throughput_in_mibps = var.throughput_mode == "provisioned" ? var.provisioned_throughput_in_mibps : null
  tags                            = merge(var.tags, { Name = var.name })
}

data "aws_iam_policy_document" "tls" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["*"]
    resources = [aws_efs_file_system.this.arn]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_efs_file_system_policy" "this" {
  count = var.enforce_tls ? 1 : 0

  file_system_id = aws_efs_file_system.this.id
  policy         = data.aws_iam_policy_document.tls.json
}

resource "aws_efs_access_point" "this" {
  for_each = var.access_points

  file_system_id = aws_efs_file_system.this.id

  posix_user {
    uid            = each.value.posix_user.uid
    gid            = each.value.posix_user.gid
    secondary_gids = length(each.value.posix_user.secondary_gids) > 0 ? each.value.posix_user.secondary_gids : null
  }

  root_directory {
    path = each.value.root_directory.path

    dynamic "creation_info" {
      for_each = each.value.root_directory.creation_info == null ? [] : [each.value.root_directory.creation_info]
      content {
        owner_uid   = creation_info.value.owner_uid
        owner_gid   = creation_info.value.owner_gid
        permissions = creation_info.value.permissions
      }
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

################################################################################
# Mount targets, reachable on NFS only from the tasks' security groups
################################################################################

resource "aws_security_group" "this" {
  count = length(var.subnet_ids) > 0 ? 1 : 0

  name_prefix = "${var.name}-efs-"
  description = "EFS mount targets of ${var.name}: NFS from the tasks that mount it"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-efs" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group_rule" "nfs" {
  for_each = length(var.subnet_ids) > 0 ? toset(var.client_security_group_ids) : toset([])

  security_group_id        = aws_security_group.this[0].id
  type                     = "ingress"
  description              = "NFS from ${each.value}"
  protocol                 = "tcp"
  from_port                = 2049
  to_port                  = 2049
  source_security_group_id = each.value
}

resource "aws_efs_mount_target" "this" {
  for_each = toset(var.subnet_ids)

  file_system_id  = aws_efs_file_system.this.id
  subnet_id       = each.value
  security_groups = [aws_security_group.this[0].id]
}
