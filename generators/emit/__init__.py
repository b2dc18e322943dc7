"""What the flow writes from a plan: a Terraform root in HCL (hcl.py, templates/) or CDK for Terraform JSON (cdk.py,
with the constructs of constructs.py), and its README.md (readme.py, diagram.py). Reads plans; never the flow.
"""
