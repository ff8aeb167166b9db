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
  description = "OIDC issuers whose ID tokens identify users (VALET_USER_ISSUERS): url is the issuer (https), audiences the client ids its tokens are minted for, jwks_url an optional key set URL when discovery is not served at <url>/.well-known/openid-configuration, client_ids the authorized parties (azp) accepted as users (default: the audiences for https://accounts.google.com, unchecked for other issuers), so a service account's token minted for the same audience is not taken as a user."
  type = list(object({
    url        = string
    audiences  = list(string)
    jwks_url   = optional(string)
    client_ids = optional(list(string))
  }))

  validation {
    condition     = length(var.user_issuers) > 0
    error_message = "user_issuers must name at least one issuer: without one no user can sign in."
  }

  validation {
    condition     = alltrue([for i in var.user_issuers : can(regex("^https://[^/?#\\s]+(/[^?#\\s]*)?$", i.url)) && !endswith(i.url, "/")])
    error_message = "Each user issuer url must be an https URL without a trailing slash, query or fragment, exactly the iss of its tokens (e.g. https://accounts.google.com)."
  }

  validation {
    condition     = alltrue([for i in var.user_issuers : length(i.audiences) > 0 && alltrue([for a in i.audiences : trimspace(a) != "" && a == trimspace(a)])])
    error_message = "Each user issuer needs at least one audience (the client id its tokens carry as aud), none empty."
  }

  validation {
    condition     = alltrue([for i in var.user_issuers : i.jwks_url == null || can(regex("^https://[^/?#\\s]+/", i.jwks_url))])
    error_message = "jwks_url, when set, must be an https URL."
  }

  validation {
    condition     = alltrue([for i in var.user_issuers : i.client_ids == null || alltrue([for c in coalesce(i.client_ids, []) : trimspace(c) != "" && c == trimspace(c)])])
    error_message = "client_ids, when set, must hold non-empty client ids without surrounding spaces."
  }
}

variable "console_issuer" {
  description = "The OIDC issuer people sign in to the console with (authorization code + PKCE, a public client). Empty means the first of user_issuers. Google's token endpoint wants a client secret from web clients: use Keycloak or another broker for the console (docs/console.md)."
  type        = string
  default     = ""

  validation {
    condition     = var.console_issuer == "" || can(regex("^https://[^/?#\\s]+", var.console_issuer))
    error_message = "console_issuer must be an https URL (the iss of the users' ID tokens)."
  }
}

variable "console_client_id" {
  description = "The console's OAuth client id at console_issuer (redirect URI <console URL>/callback.html); it must be one of that issuer's audiences in user_issuers. Empty means the first audience of the first user issuer."
  type        = string
  default     = ""
}

variable "frontend_origins" {
  description = "Browser origins (https://host[:port]; http only for localhost and 127.0.0.1 during development) of frontends besides the console: allowed to call the API (VALET_ALLOWED_ORIGINS) and, by the buckets' CORS, to PUT uploads and GET downloads through signed URLs."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([for o in var.frontend_origins :
      can(regex("^https://[a-z0-9.-]+(:[0-9]{1,5})?$", o)) ||
      can(regex("^http://(localhost|127\\.0\\.0\\.1)(:[0-9]{1,5})?$", o))
    ])
    error_message = "Each frontend origin must be https://host[:port] in lowercase without a path (http:// only for localhost or 127.0.0.1): a browser on plain http could have its signed URLs read or altered in transit."
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

variable "dispatch_enabled" {
  description = "Deploy the dispatch function, through which dispatchers claim queued jobs. Without it jobs are accepted but never run, so it is on unless another system claims jobs."
  type        = bool
  default     = true
}

variable "dispatcher_service_accounts" {
  description = "Emails of the dispatcher and reconciler service accounts allowed to call the dispatch function (Cloud Run invoker and VALET_ALLOWED_SERVICE_ACCOUNTS). Must not be empty while dispatch_enabled: dispatch would refuse every caller and no job would run."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.dispatcher_service_accounts : can(regex("^[a-z0-9][a-z0-9._-]*@[a-z0-9][a-z0-9.-]*\\.[a-z]+$", e))])
    error_message = "dispatcher_service_accounts must hold lowercase service-account emails (NAME@PROJECT.iam.gserviceaccount.com), without commas or spaces."
  }

  validation {
    condition     = !var.dispatch_enabled || length(var.dispatcher_service_accounts) > 0
    error_message = "dispatcher_service_accounts is empty while dispatch_enabled is true: nobody could call dispatch and no job would ever run. Name the dispatcher's service account (README.md, \"The dispatcher account\") or set dispatch_enabled = false."
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
  description = "Optional full resource name (projects/P/serviceAccounts/EMAIL) of an existing account Cloud Build uses to build the functions. null (the default) creates a dedicated build account with roles/cloudbuild.builds.builder and read access to the source bucket: projects created since mid-2024 build with a default account that lacks that role."
  type        = string
  default     = null

  validation {
    condition     = var.build_service_account == null || can(regex("^projects/[^/]+/serviceAccounts/[^/@]+@[^/]+$", var.build_service_account))
    error_message = "build_service_account must be projects/PROJECT/serviceAccounts/EMAIL."
  }
}

variable "source_generation" {
  description = "Roll back: the generation of an earlier source archive to build every function from (gcloud storage ls -a gs://<source bucket>/source/valet.zip lists them; output source_generation shows the current one). null builds the archive uploaded from source_archive."
  type        = number
  default     = null

  validation {
    condition     = var.source_generation == null || try(var.source_generation > 0 && floor(var.source_generation) == var.source_generation, false)
    error_message = "source_generation must be a positive whole number (an object generation) or null."
  }
}

variable "source_versions_kept" {
  description = "How many earlier source archives the source bucket keeps (as noncurrent versions) for rollbacks; older ones are deleted."
  type        = number
  default     = 10

  validation {
    condition     = var.source_versions_kept >= 1 && floor(var.source_versions_kept) == var.source_versions_kept
    error_message = "source_versions_kept must be a whole number of at least 1."
  }
}

variable "objects_soft_delete_days" {
  description = "Days a deleted object of the objects bucket (user data) stays restorable (Cloud Storage soft delete), 8 to 90. It must outlast both the 7 days of Firestore point-in-time recovery and firestore_backup_retention_days by a day, so that a database restored from any minute or backup still available never points at bytes that are gone for good (docs/operations.md, Backups and restore). The jobs and source buckets have none (README.md, Buckets)."
  type        = number
  default     = 8

  validation {
    condition     = var.objects_soft_delete_days >= 8 && var.objects_soft_delete_days <= 90 && floor(var.objects_soft_delete_days) == var.objects_soft_delete_days && var.objects_soft_delete_days > var.firestore_backup_retention_days
    error_message = "objects_soft_delete_days must be a whole number of days from 8 to 90 (Cloud Storage allows 7 to 90) and above firestore_backup_retention_days: a restored database must never point at bytes soft delete already dropped."
  }
}

variable "firestore_backup_retention_days" {
  description = "Days each daily Firestore backup is kept (1 to 7, the most a daily schedule allows). Point-in-time recovery covers the last 7 days at minute granularity besides; objects_soft_delete_days must stay above this."
  type        = number
  default     = 7

  validation {
    condition     = var.firestore_backup_retention_days >= 1 && var.firestore_backup_retention_days <= 7 && floor(var.firestore_backup_retention_days) == var.firestore_backup_retention_days
    error_message = "firestore_backup_retention_days must be a whole number of days from 1 to 7 (Firestore keeps daily backups at most 7 days)."
  }
}

variable "firestore_database_id" {
  description = "The Firestore database the functions use (VALET_FIRESTORE_DATABASE), which the backup schedule and the composite indexes follow. \"(default)\" is the database this module creates; set the id of a database restored from a backup or a point-in-time clone to switch to it (docs/operations.md, Restore runbook)."
  type        = string
  default     = "(default)"

  validation {
    condition     = var.firestore_database_id == "(default)" || can(regex("^[a-z][a-z0-9-]{2,61}[a-z0-9]$", var.firestore_database_id))
    error_message = "firestore_database_id must be \"(default)\" or a database id: 4-63 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "iam_propagation_wait" {
  description = "How long the first apply waits between enabling the APIs and granting the trigger rights and creating the Eventarc triggers (IAM propagation), as a duration such as 120s."
  type        = string
  default     = "120s"

  validation {
    condition     = can(regex("^[0-9]+(s|m)$", var.iam_propagation_wait))
    error_message = "iam_propagation_wait must be a duration such as 120s or 2m."
  }
}

variable "deletion_protection" {
  description = "Protect the Firestore database, the buckets' contents and the signing-key secret from terraform destroy."
  type        = bool
  default     = true
}

variable "audit_retention_days" {
  description = "Days the audit trail is kept: the retention of the audit log bucket and of the Firestore copy owners read through GET /spaces/{space}/audit (VALET_AUDIT_RETENTION_DAYS; Firestore's TTL deletes an entry within a day or so after it expires)."
  type        = number
  default     = 400

  validation {
    condition     = var.audit_retention_days >= 1 && var.audit_retention_days <= 3650 && floor(var.audit_retention_days) == var.audit_retention_days
    error_message = "audit_retention_days must be a whole number of days from 1 to 3650 (Cloud Logging's bucket retention limits)."
  }
}

variable "audit_log_locked" {
  description = "Lock the audit log bucket: its retention can then never be shortened and the bucket never deleted before its entries expire (Cloud Logging bucket lock). It cannot be undone."
  type        = bool
  default     = false
}
