# Inputs of the valet deployment. Every variable says what it is for; the
# ones without a default must be set (see README.md).

variable "project" {
  description = "Google Cloud project id that hosts valet."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project))
    error_message = "project must be a project id: 6-30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  description = "Region of the functions, the buckets, the Eventarc triggers and the scheduler job (e.g. europe-west1). Storage triggers must live in the bucket's region, so buckets use it too."
  type        = string
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a single Google Cloud region such as europe-west1, not a multi-region."
  }
}

variable "firestore_location" {
  description = "Location of the Firestore database (a region such as europe-west1 or a multi-region such as eur3). It cannot change after creation."
  type        = string
  default     = "eur3"
}

variable "name_prefix" {
  description = "Prefix of every resource name (functions, buckets, service accounts). Bucket names are global, so the project id is appended to them."
  type        = string
  default     = "valet"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,13}$", var.name_prefix))
    error_message = "name_prefix must be 2-14 lowercase letters, digits or hyphens starting with a letter (service account ids are limited to 30 characters)."
  }
}

variable "user_issuers" {
  description = "OIDC issuers of users, as VALET_USER_ISSUERS JSON: [{\"url\":\"https://accounts.google.com\",\"audiences\":[\"CLIENT_ID\"],\"jwksUrl\":\"optional\"}]."
  type        = string

  validation {
    condition     = can(length(jsondecode(var.user_issuers))) && length(jsondecode(var.user_issuers)) > 0
    error_message = "user_issuers must be a non-empty JSON array like [{\"url\":\"https://accounts.google.com\",\"audiences\":[\"CLIENT_ID\"]}]."
  }
}

variable "frontend_origins" {
  description = "Browser origins (scheme://host[:port]) allowed by the buckets' CORS to PUT uploads and GET downloads through signed URLs."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.frontend_origins : can(regex("^https?://[^/]+$", o))])
    error_message = "Each frontend origin must be scheme://host[:port] without a path, e.g. https://app.example.com."
  }
}

variable "token_issuer" {
  description = "iss of the workflow and job tokens valet mints (VALET_TOKEN_ISSUER). Empty means the tokens function's URL, which also serves the JWKS."
  type        = string
  default     = ""
}

variable "workflow_audience" {
  description = "aud of workflow tokens (VALET_WORKFLOW_AUDIENCE), e.g. the copy-offload service's URL."
  type        = string
  default     = "valet-workflow"
}

variable "workflow_key_secret_id" {
  description = "Secret Manager secret id of the ES256 workflow signing key (VALET_WORKFLOW_KEY_SECRET). Terraform creates the secret; the key versions are added by the bootstrap (README.md)."
  type        = string
  default     = "valet-workflow-signing-key"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.workflow_key_secret_id)) && !startswith(var.workflow_key_secret_id, "valet-job-")
    error_message = "workflow_key_secret_id must be letters, digits, _ or - and must not start with valet-job- (that prefix belongs to per-job secrets)."
  }
}

variable "space_quota_bytes" {
  description = "Byte quota of each object space, pending uploads included (VALET_SPACE_QUOTA_BYTES)."
  type        = number
  default     = 10737418240

  validation {
    condition     = var.space_quota_bytes >= 1 && floor(var.space_quota_bytes) == var.space_quota_bytes
    error_message = "space_quota_bytes must be a positive whole number of bytes."
  }
}

variable "source_archive" {
  description = "Local path of the zip of the module root (go.mod, go.sum, functions.go, functions/, shared/...). Its SHA-256 becomes part of the object name, so a new zip redeploys every function."
  type        = string

  validation {
    condition     = endswith(var.source_archive, ".zip")
    error_message = "source_archive must be the path of a .zip file (see README.md for how to build it)."
  }
}

variable "runtime" {
  description = "Cloud Functions runtime. go.mod says go 1.26, so the runtime must be go126 or newer."
  type        = string
  default     = "go126"

  validation {
    condition     = can(regex("^go1[2-9][0-9]$", var.runtime))
    error_message = "runtime must be a Go runtime name such as go126."
  }
}

variable "max_instances" {
  description = "Maximum instance count of each function."
  type        = number
  default     = 20

  validation {
    condition     = var.max_instances >= 1 && var.max_instances <= 1000
    error_message = "max_instances must be between 1 and 1000."
  }
}

variable "function_memory" {
  description = "Memory of each function instance, e.g. 256M or 512M."
  type        = string
  default     = "256M"
}

variable "dispatcher_service_accounts" {
  description = "Emails of the dispatcher and reconciler service accounts allowed to call the dispatch function."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.dispatcher_service_accounts : can(regex("^[^@,\\s]+@[^@,\\s]+$", e))])
    error_message = "dispatcher_service_accounts must hold service-account emails, without commas."
  }
}

variable "sweep_schedule" {
  description = "Cron schedule of the sweep (Cloud Scheduler syntax)."
  type        = string
  default     = "*/5 * * * *"
}

variable "scheduler_time_zone" {
  description = "Time zone of the sweep schedule."
  type        = string
  default     = "Etc/UTC"
}

variable "jobs_retention_days" {
  description = "Age in days after which objects in the jobs bucket (workspaces, outputs, attestations, uploads for unknown job ids) are deleted. Keep it above the longest time a finished job's output must stay downloadable or reusable."
  type        = number
  default     = 30

  validation {
    condition     = var.jobs_retention_days >= 2
    error_message = "jobs_retention_days must be at least 2: a job may run for 24 h after its workspace upload."
  }
}

variable "build_service_account" {
  description = "Optional full resource name (projects/P/serviceAccounts/EMAIL) of the account Cloud Build uses to build the functions; null uses the project default."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Protect the Firestore database and the buckets' contents from terraform destroy."
  type        = bool
  default     = true
}
