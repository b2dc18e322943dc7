# Written by hand, not generated: a team calling the module from its own Terraform. The execution role and its
# least-privilege policy come from the container definitions; nobody lists the three secrets twice.
module "task_definition" {
  source = "../.."

  family                   = "payments-api"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "512"
  memory                   = "1024"
  tags                     = { team = "payments" }

  container_definitions = [
    {
      name                   = "api"
      image                  = var.api_image
      essential              = true
      readonlyRootFilesystem = true
      portMappings           = [{ containerPort = 8080 }]
      secrets = [
        { name = "DB_PASSWORD", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments/db-Ab12Cd:password::" },
        { name = "STRIPE_KEY", valueFrom = "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments/stripe-Ef34Gh" },
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group"         = "/ecs/payments-api"
          "awslogs-region"        = "us-east-1"
          "awslogs-stream-prefix" = "api"
        }
      }
    },
    {
      name                   = "envoy"
      image                  = "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod"
      essential              = false
      readonlyRootFilesystem = true
      secrets = [
        { name = "TLS_KEY", valueFrom = "/payments/envoy/tls-key" },
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group"         = "/ecs/payments-api"
          "awslogs-region"        = "us-east-1"
          "awslogs-stream-prefix" = "envoy"
        }
      }
    },
  ]
}
