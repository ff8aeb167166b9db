# Project, bucket and service-account IAM. Per-job secret and signing-key
# rights are in secrets.tf; invoker rights on the functions are at the end.

locals {
  # Server-side storage calls (shared/gcs: stat, copy, delete) per function
  # and bucket. roles/storage.objectUser: read, create, overwrite, delete.
  bucket_users = {
    "objects-objects"  = { function = "objects", bucket = google_storage_bucket.objects.name }
    "finalize-jobs"    = { function = "finalize", bucket = google_storage_bucket.jobs.name }
    "finalize-objects" = { function = "finalize", bucket = google_storage_bucket.objects.name }
    "sweep-jobs"       = { function = "sweep", bucket = google_storage_bucket.jobs.name }
    "sweep-objects"    = { function = "sweep", bucket = google_storage_bucket.objects.name }
  }

  # Functions that hand out signed URLs: they set VALET_SIGNER_EMAIL and call
  # signBlob as the signer.
  url_signers = toset(["jobs", "objects", "dispatch"])
}

# Every function keeps its state in Firestore.
resource "google_project_iam_member" "firestore" {
  for_each = local.function_names

  project = var.project
  role    = "roles/datastore.user"
  member  = google_service_account.function[each.key].member
}

resource "google_storage_bucket_iam_member" "function_objects" {
  for_each = local.bucket_users

  bucket = each.value.bucket
  role   = "roles/storage.objectUser"
  member = google_service_account.function[each.value.function].member
}

# A signed URL acts with the signer's rights: uploads create (and, when a
# requeued job writes its output again, overwrite) objects; downloads read.
resource "google_storage_bucket_iam_member" "signer" {
  for_each = {
    jobs    = google_storage_bucket.jobs.name
    objects = google_storage_bucket.objects.name
  }

  bucket = each.value
  role   = "roles/storage.objectUser"
  member = google_service_account.signer.member
}

# signBlob without a key file: the signer may sign as itself (when a function
# runs as the signer) and the URL-handing functions may sign as the signer.
resource "google_service_account_iam_member" "signer_self" {
  service_account_id = google_service_account.signer.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = google_service_account.signer.member
}

resource "google_service_account_iam_member" "signer_users" {
  for_each = local.url_signers

  service_account_id = google_service_account.signer.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = google_service_account.function[each.key].member
}

# Storage triggers: the Cloud Storage service agent publishes the events,
# the trigger account receives them and invokes finalize.
data "google_storage_project_service_account" "gcs" {
  project = var.project
}

resource "google_project_iam_member" "gcs_publisher" {
  project = var.project
  role    = "roles/pubsub.publisher"
  member  = data.google_storage_project_service_account.gcs.member
}

resource "google_project_iam_member" "trigger_receiver" {
  project = var.project
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.trigger.member
}

# Invokers. Gen2 functions are Cloud Run services: invoker rights are granted
# on the service, not with the cloudfunctions2 IAM resource.
#
# jobs, objects and tokens authenticate every request themselves (OIDC ID
# tokens of var.user_issuers, valet API tokens, job tokens; the JWKS is
# public), so Cloud Run lets everyone through. dispatch and sweep accept only
# their callers, at Cloud Run and again in the function
# (VALET_ALLOWED_SERVICE_ACCOUNTS).
locals {
  invokers = merge(
    {
      "jobs-public"    = { function = "jobs", member = "allUsers" }
      "objects-public" = { function = "objects", member = "allUsers" }
      "tokens-public"  = { function = "tokens", member = "allUsers" }
      "sweep-scheduler" = {
        function = "sweep"
        member   = google_service_account.scheduler.member
      }
    },
    {
      for email in var.dispatcher_service_accounts : "dispatch-${email}" => {
        function = "dispatch"
        member   = "serviceAccount:${email}"
      }
    },
  )
}

resource "google_cloud_run_service_iam_member" "invoker" {
  for_each = local.invokers

  project  = var.project
  location = var.region
  service  = google_cloudfunctions2_function.http[each.value.function].name
  role     = "roles/run.invoker"
  member   = each.value.member
}

resource "google_cloud_run_service_iam_member" "finalize_invoker" {
  for_each = google_cloudfunctions2_function.finalize

  project  = var.project
  location = var.region
  service  = each.value.name
  role     = "roles/run.invoker"
  member   = google_service_account.trigger.member
}
