# Buckets. Callers never get bucket rights: browsers and jobs reach the jobs
# and objects buckets only through V4 signed URLs, so both buckets use
# uniform bucket-level access with public access prevention enforced, and
# CORS only lets the frontend origins send the headers a signed upload
# carries.
#
# Lifecycle:
# - jobs bucket: every object (workspace, output, attestation, and uploads
#   for job ids that were never created or already expired) is deleted after
#   var.jobs_retention_days. A job lives at most 24 h after its upload, so the
#   rule never removes anything a running job needs; it bounds the cost of
#   abandoned uploads, which the sweep cannot see when no job document exists.
# - objects bucket: objects are user data and live until deleted through
#   valet, under spaces/; no age rule applies there. Uploads land under
#   uploads/ (one key per object, never a download key): finalize copies the
#   first matching one to spaces/ and deletes it, and the sweep deletes those
#   of pending objects whose window ended. What is left under uploads/ after
#   a day (events that failed for longer than Eventarc retries) is deleted by
#   age; incomplete multipart uploads are aborted.
# - source bucket: one object, source/valet.zip, with object versioning:
#   each upload is a new generation and the previous ones stay as
#   noncurrent versions (the newest var.source_versions_kept of them), so a
#   rollback is one variable (var.source_generation).
#
# Soft delete (Cloud Storage keeps deleted objects restorable, and billed,
# for the retention; new buckets default to 7 days):
# - jobs bucket: off. Its objects are transient, and a rejected upload's
#   bytes must be gone when valet deletes them, not restorable for a week.
# - objects bucket: var.objects_soft_delete_days (8): user data, so a bug or
#   a wrong delete can be undone for a week; and longer than Firestore's
#   recovery windows (7 days of point-in-time recovery, backups kept
#   var.firestore_backup_retention_days), so the bytes of every object a
#   restored database knows are still there or restorable (firestore.tf;
#   docs/operations.md, "Backups and restore"). valet never overwrites an
#   object (every key is create-only), so soft delete covers every way
#   bytes go; object versioning would add nothing but noncurrent copies.
# - source bucket: off; versioning already keeps the earlier archives.

locals {
  bucket_suffix = var.project

  # CORS of both data buckets: methods, headers and max age from
  # policy/cors.json (the local stack's gate reads the same file), origins
  # from the deployment (local.allowed_origins, functions.tf).
  bucket_cors = jsondecode(file("${path.module}/policy/cors.json")).buckets

  # The three buckets and what sets them apart (see above). Lifecycle
  # rules keep their order: the provider stores them as a list.
  buckets = {
    jobs = {
      soft_delete_days = 0
      cors             = true
      versioning       = false
      lifecycle_rules = [
        { action = "Delete", age = var.jobs_retention_days },
        { action = "AbortIncompleteMultipartUpload", age = 1 },
      ]
    }
    objects = {
      soft_delete_days = var.objects_soft_delete_days
      cors             = true
      versioning       = false
      lifecycle_rules = [
        { action = "AbortIncompleteMultipartUpload", age = 1 },
        # Leftover uploads (see above): an upload is dealt with within its
        # upload window (1 h), so a day-old one is nobody's.
        { action = "Delete", age = 1, matches_prefix = ["uploads/"] },
      ]
    }
    source = {
      soft_delete_days = 0
      cors             = false
      versioning       = true
      lifecycle_rules = [
        # Keep the newest var.source_versions_kept earlier archives.
        { action = "Delete", with_state = "ARCHIVED", num_newer_versions = var.source_versions_kept },
      ]
    }
  }
}

resource "google_storage_bucket" "bucket" {
  for_each = local.buckets

  name     = "${var.name_prefix}-${each.key}-${local.bucket_suffix}"
  location = upper(var.region)

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection

  dynamic "versioning" {
    for_each = each.value.versioning ? [1] : []
    content {
      enabled = true
    }
  }

  soft_delete_policy {
    retention_duration_seconds = each.value.soft_delete_days * 86400
  }

  dynamic "cors" {
    for_each = each.value.cors && length(local.allowed_origins) > 0 ? [1] : []
    content {
      origin          = local.allowed_origins
      method          = local.bucket_cors.methods
      response_header = local.bucket_cors.responseHeaders
      max_age_seconds = local.bucket_cors.maxAgeSeconds
    }
  }

  dynamic "lifecycle_rule" {
    for_each = each.value.lifecycle_rules
    content {
      condition {
        age                = lookup(lifecycle_rule.value, "age", null)
        matches_prefix     = lookup(lifecycle_rule.value, "matches_prefix", null)
        with_state         = lookup(lifecycle_rule.value, "with_state", null)
        num_newer_versions = lookup(lifecycle_rule.value, "num_newer_versions", null)
      }
      action {
        type = lifecycle_rule.value.action
      }
    }
  }

  depends_on = [google_project_service.apis]
}

# The archive of the module root, always at the same name: a new archive is
# a new generation (the functions build from a generation, so they
# redeploy), and the previous one stays as a noncurrent version for a
# rollback (var.source_generation).
resource "google_storage_bucket_object" "source" {
  name   = "source/valet.zip"
  bucket = google_storage_bucket.bucket["source"].name
  source = var.source_archive
}
