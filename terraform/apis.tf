# The Google APIs valet and this module call. Every resource that needs one
# depends on google_project_service.apis, so a first apply on a fresh
# project enables them before using them. Service Usage itself (which
# enables the others) is on in every new project. Disabling APIs on destroy
# would break anything else in the project, so destroy leaves them on.

locals {
  apis = toset([
    "artifactregistry.googleapis.com",     # function images
    "cloudbuild.googleapis.com",           # function builds
    "cloudfunctions.googleapis.com",       # the functions
    "cloudresourcemanager.googleapis.com", # data.google_project, project IAM grants
    "cloudscheduler.googleapis.com",       # the sweep schedule
    "eventarc.googleapis.com",             # storage triggers
    "firestore.googleapis.com",            # the database
    "iam.googleapis.com",                  # service accounts, custom roles
    "iamcredentials.googleapis.com",       # signBlob (signed URLs)
    "logging.googleapis.com",              # the audit log bucket and sink
    "pubsub.googleapis.com",               # Eventarc's transport
    "run.googleapis.com",                  # the functions' services, invoker rights
    "secretmanager.googleapis.com",        # signing key, per-job secrets
    "storage.googleapis.com",              # buckets
  ])
}

resource "google_project_service" "apis" {
  for_each = local.apis

  project            = var.project
  service            = each.value
  disable_on_destroy = false
}

# IAM grants take minutes to propagate. Eventarc triggers created right
# after the Eventarc API is enabled and the Cloud Storage service agent gets
# pubsub.publisher fail with "Permission denied while using the Eventarc
# Service Agent" (terraform-provider-google issues #25294 and #14584), so
# every function waits for this pause after the APIs, the trigger grants
# and the build account's grants (a build whose account was granted a
# moment ago fails the same way). (The trigger account's run.invoker on each finalize service can
# only be granted once the function exists; Eventarc retries deliveries for
# 24 h, so the first events wait for it rather than being lost.)
resource "time_sleep" "iam_propagation" {
  create_duration = var.iam_propagation_wait

  triggers = {
    apis      = join(",", sort(local.apis))
    publisher = google_project_iam_member.gcs_publisher.id
    receiver  = google_project_iam_member.trigger_receiver.id
  }

  # After the trigger grants (through triggers, so that a new grant waits
  # again), the APIs and the build account's grants.
  depends_on = [
    google_project_service.apis,
    google_project_iam_member.build,
    google_storage_bucket_iam_member.build_source,
  ]
}
