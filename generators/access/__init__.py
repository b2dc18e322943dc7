"""What a task may do in AWS: the IAM statements its roles need, derived from what the task references (its ECR
images, log groups, secrets, parameters, environment files, FireLens outputs and EFS file systems), to exact ARNs.

The one derivation: the rules ask it (ECS-M4 warns once per brought role with its statements, ECS-I11 names what
FireLens needs), `generators/permissions.py` turns it into each root's README table and `ecsform iam`, and
`generators/aws/verify/` checks a brought role's real policies against it. It reads the task as the rules do (the
loaded document, badly typed values already removed), through `view.TaskView`, and knows nothing of the rules.

    view.py             TaskView: the task, its x-ecsform block and deploy target; its roles, containers, volumes
                        and region
    referenced.py       where the task references AWS: secrets, credentials, log options, environment files,
                        FireLens configuration, private images, EFS volumes and mount points, the ARNs it depends on
    statements.py       Need (actions, resources, condition), merged and printed as IAM policy statements
    execution_role.py   what the execution role needs: ECR pulls, awslogs, secrets and parameters, S3 files
    task_role.py        what the task role needs: EFS with IAM authorization, FireLens outputs
    roles.py            brought_role_needs: role field -> the statements that role needs
"""
