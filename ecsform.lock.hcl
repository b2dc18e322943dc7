# Written by `ecsform lock`: the provider every root of this project installs, for the platforms
# ecsform.yaml names (terraform.lockPlatforms). Commit it; synth copies it into each root.
# ecsform: providerVersion >= 5.100.0, < 6.0.0
# ecsform: platforms linux_amd64

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.100.0"
  constraints = ">= 5.100.0, < 6.0.0"
  hashes = [
    "h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=",
  ]
}
