module "efs" {
  source = "../.."

  name                      = "etl-data"
  vpc_id                    = var.vpc_id
  subnet_ids                = var.subnet_ids
  client_security_group_ids = [var.task_security_group_id]

  access_points = {
    etl = {
      posix_user = { uid = 1000, gid = 1000 }
      root_directory = {
        path          = "/etl"
        creation_info = { owner_uid = 1000, owner_gid = 1000, permissions = "750" }
      }
    }
  }

  tags = { team = "data" }
}
