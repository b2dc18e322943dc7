"""Terraform's languages as ecsform writes them: expression values (tfexpr.py), HCL text (hcl_syntax.py) and Terraform
JSON strings (json_syntax.py). Below the plan, which holds expressions, and the emitters, which write them.
"""
