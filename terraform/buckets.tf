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
#   valet. Abandoned pending uploads under spaces/ are deleted by the sweep
#   (its object pass compares Firestore with the bucket), so no age rule
#   applies; only incomplete multipart uploads are aborted.
# - source bucket: one zip per deployed build, named by its hash. Nothing is
#   deleted automatically: Terraform refers to the current zip and an old one
#   is the fastest rollback.

locals {
  bucket_suffix = var.project

  # Headers a browser sends with a signed PUT/POST (and reads back), besides
  # the CORS-safelisted ones.
  cors_headers = [
    "Content-Type",
    "Content-MD5",
    "Content-Range",
    "Content-Length",
    "ETag",
    "Location",
    "x-goog-content-length-range",
    "x-goog-resumable",
    "x-goog-hash",
    "x-goog-generation",
    "x-goog-meta-*",
  ]
}

resource "google_storage_bucket" "jobs" {
  name     = "${var.name_prefix}-jobs-${local.bucket_suffix}"
  location = upper(var.region)

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection

  dynamic "cors" {
    for_each = length(var.frontend_origins) > 0 ? [1] : []
    content {
      origin          = var.frontend_origins
      method          = ["GET", "HEAD", "PUT", "POST"]
      response_header = local.cors_headers
      max_age_seconds = 3600
    }
  }

  lifecycle_rule {
    condition {
      age = var.jobs_retention_days
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket" "objects" {
  name     = "${var.name_prefix}-objects-${local.bucket_suffix}"
  location = upper(var.region)

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection

  dynamic "cors" {
    for_each = length(var.frontend_origins) > 0 ? [1] : []
    content {
      origin          = var.frontend_origins
      method          = ["GET", "HEAD", "PUT", "POST"]
      response_header = local.cors_headers
      max_age_seconds = 3600
    }
  }

  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket" "source" {
  name     = "${var.name_prefix}-source-${local.bucket_suffix}"
  location = upper(var.region)

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  depends_on = [google_project_service.apis]
}

# The zip of the module root. Its hash is in the name: a new zip is a new
# object, which changes build_config and so redeploys every function.
resource "google_storage_bucket_object" "source" {
  name   = "source/valet-${filesha256(var.source_archive)}.zip"
  bucket = google_storage_bucket.source.name
  source = var.source_archive
}
