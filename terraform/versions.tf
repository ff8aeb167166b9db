# The provider and Terraform versions this root module is written for. The
# argument names follow google provider 6.50.

terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50"
    }
  }
}

provider "google" {
  project = var.project
  region  = var.region
}

# The project number names resources in IAM conditions (Secret Manager) and
# in the deterministic Cloud Run URLs of the functions.
data "google_project" "this" {
  project_id = var.project
}
