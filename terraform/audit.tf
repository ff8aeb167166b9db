# The audit trail (shared/audit, docs/operations.md "Audit trail"): every
# capability valet hands out is one JSON line on a function's stdout,
# labelled valet_audit=1 through "logging.googleapis.com/labels". Cloud Run
# functions cannot choose their log name from stdout (their lines land in
# run.googleapis.com/stdout; Cloud Logging honours only the special JSON
# fields of "Structured logging",
# https://cloud.google.com/logging/docs/structured-logging, labels among
# them, logName not), so a sink routes the labelled lines of valet's own
# services to a log bucket of their own, with its own retention, and the
# _Default sink leaves them out. A queryable copy lives in Firestore
# (spaces/{space}/audit/{id}), deleted by a TTL policy on expireAt. The
# retention and the lock are variables (audit_retention_days,
# audit_log_locked in variables.tf).

locals {
  # The label the audit writer puts on its lines (audit.LabelKey and
  # audit.LabelValue).
  audit_label = { key = "valet_audit", value = "1" }

  # Only valet's own services' labelled lines: nothing else in the project
  # can route an entry into the audit trail by copying the label.
  audit_log_filter = join(" AND ", [
    "resource.type=\"cloud_run_revision\"",
    "resource.labels.service_name=(${join(" OR ", [for s in values(local.services) : "\"${s.name}\""])})",
    "labels.${local.audit_label.key}=\"${local.audit_label.value}\"",
  ])
}

resource "google_logging_project_bucket_config" "audit" {
  project        = var.project
  location       = var.region
  bucket_id      = "${var.name_prefix}-audit"
  description    = "valet's audit trail: every capability valet handed out (signed URLs, tokens, auth bundles, membership changes, revocations, deletions, cancellations)."
  retention_days = var.audit_retention_days
  locked         = var.audit_log_locked

  depends_on = [google_project_service.apis]
}

# A sink into a log bucket of the same project needs no grant to its writer
# identity ("Route logs to supported destinations").
resource "google_logging_project_sink" "audit" {
  project     = var.project
  name        = "${var.name_prefix}-audit"
  description = "Routes valet's audit entries to the audit log bucket."
  destination = "logging.googleapis.com/${google_logging_project_bucket_config.audit.id}"
  filter      = local.audit_log_filter

  unique_writer_identity = true

  depends_on = [google_project_service.apis]
}

# The audit entries are kept once, in the audit bucket, under its retention.
resource "google_logging_project_exclusion" "audit" {
  project     = var.project
  name        = "${var.name_prefix}-audit-not-in-default"
  description = "valet's audit entries are kept in the audit log bucket only."
  filter      = local.audit_log_filter

  depends_on = [google_project_service.apis]
}

# Firestore deletes the copy of an entry once expireAt has passed; the field
# is not indexed (nothing queries it, and indexing a TTL timestamp can
# hotspot writes: "Manage data retention with TTL policies").
resource "google_firestore_field" "audit_ttl" {
  project    = var.project
  database   = google_firestore_database.default.name
  collection = "audit"
  field      = "expireAt"

  ttl_config {}
  index_config {}
}
