"""CloudFormation as the local API reads it: a YAML loader for its short-form tags, intrinsic functions."""
