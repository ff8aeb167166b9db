# The Terraform and provider versions this root module is written for: the
# google provider's current major, 7.x. Terraform 1.9 is the first whose
# variable validations may refer to other variables (dispatcher accounts
# versus dispatch_enabled); `terraform test` with mock_provider needs 1.7.

terraform {
  required_version = ">= 1.9"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.13"
    }
  }
}

provider "google" {
  project = var.project
  region  = var.region
}

# The project number names resources in IAM conditions (Secret Manager) and
# in the deterministic Cloud Run URLs of the functions. Reading it calls the
# Cloud Resource Manager API, so it waits for the API on a fresh project.
data "google_project" "this" {
  project_id = var.project

  depends_on = [google_project_service.apis]
}
