# The Firestore database (native mode), its recovery (point-in-time
# recovery and a daily backup schedule) and the composite indexes the stores
# in shared/firestore query. The emulator demands none, production demands
# all of them; field order matters: equality (and "in") fields first, then
# the range/order fields in the query's order.
#
# Recovery (docs/operations.md, "Backups and restore"):
# - point-in-time recovery keeps a version of every document per minute for
#   7 days, so any minute of the last week can be cloned or read back;
# - the daily backup schedule keeps each backup
#   var.firestore_backup_retention_days (a daily schedule keeps at most 7);
# - a restore always creates a new database (backups and PITR clones never
#   overwrite one); var.firestore_database_id switches the functions, the
#   backup schedule and the indexes to it. The database below stays, as
#   Terraform created it.
#
# The objects bucket keeps deleted bytes restorable (soft delete) for
# longer than either window, so a restored database never points at bytes
# that are gone for good (buckets.tf, var.objects_soft_delete_days).

resource "google_firestore_database" "default" {
  project     = var.project
  name        = "(default)"
  location_id = var.firestore_location
  type        = "FIRESTORE_NATIVE"

  # Pessimistic locking, as the emulator the tests run against.
  concurrency_mode = "PESSIMISTIC"
  # A version of each document per minute for the last 7 days.
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = var.deletion_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = var.deletion_protection ? "ABANDON" : "DELETE"

  depends_on = [google_project_service.apis]
}

locals {
  # The database the functions use: the one above unless a restore
  # switched them to another (var.firestore_database_id).
  firestore_database = var.firestore_database_id == "(default)" ? google_firestore_database.default.name : var.firestore_database_id
}

resource "google_firestore_backup_schedule" "daily" {
  project   = var.project
  database  = local.firestore_database
  retention = "${var.firestore_backup_retention_days * 86400}s"

  daily_recurrence {}
}

locals {
  # collection => list of [field, order] pairs, keyed by a name that says
  # which query needs it.
  firestore_indexes = {
    # jobstore_claim.go: state == QUEUED order by updatedAt (a claim's first
    # round); its later rounds (state == QUEUED order by __name__ from a
    # random job id) use the automatic single-field index on state.
    jobs_claim = {
      collection = "jobs"
      fields     = [["state", "ASCENDING"], ["updatedAt", "ASCENDING"]]
    }
    # jobstore_list.go: personal jobs (owner == u AND project == "").
    jobs_list_owner = {
      collection = "jobs"
      fields     = [["owner", "ASCENDING"], ["project", "ASCENDING"], ["createdAt", "DESCENDING"], ["id", "DESCENDING"]]
    }
    jobs_list_owner_state = {
      collection = "jobs"
      fields     = [["owner", "ASCENDING"], ["project", "ASCENDING"], ["state", "ASCENDING"], ["createdAt", "DESCENDING"], ["id", "DESCENDING"]]
    }
    # jobstore_list.go: project in [...] or project == p; projectstore_jobs.go
    # (project == p, state in [not final], the same order) uses the second.
    jobs_list_project = {
      collection = "jobs"
      fields     = [["project", "ASCENDING"], ["createdAt", "DESCENDING"], ["id", "DESCENDING"]]
    }
    jobs_list_project_state = {
      collection = "jobs"
      fields     = [["project", "ASCENDING"], ["state", "ASCENDING"], ["createdAt", "DESCENDING"], ["id", "DESCENDING"]]
    }
    # jobstore_list.go: state == s alone.
    jobs_list_state = {
      collection = "jobs"
      fields     = [["state", "ASCENDING"], ["createdAt", "DESCENDING"], ["id", "DESCENDING"]]
    }
    # jobstore_due.go: the sweep's four passes.
    jobs_due_upload = {
      collection = "jobs"
      fields     = [["state", "ASCENDING"], ["uploadDeadline", "ASCENDING"]]
    }
    jobs_due_lease = {
      collection = "jobs"
      fields     = [["state", "ASCENDING"], ["lock.leaseExpiresAt", "ASCENDING"]]
    }
    jobs_due_deadline = {
      collection = "jobs"
      fields     = [["state", "ASCENDING"], ["deadline", "ASCENDING"]]
    }
    jobs_due_secrets = {
      collection = "jobs"
      fields     = [["state", "ASCENDING"], ["secretsHeld", "ASCENDING"], ["finishedAt", "ASCENDING"]]
    }
    # objectstore_list.go: space == s AND state in [...] (name >= prefix)
    # order by name, id.
    objects_list = {
      collection = "objects"
      fields     = [["space", "ASCENDING"], ["state", "ASCENDING"], ["name", "ASCENDING"], ["id", "ASCENDING"]]
    }
    # objectstore_list.go: state == PENDING AND uploadDeadline <= now.
    objects_due_upload = {
      collection = "objects"
      fields     = [["state", "ASCENDING"], ["uploadDeadline", "ASCENDING"]]
    }
  }
}

resource "google_firestore_index" "composite" {
  for_each = local.firestore_indexes

  project     = var.project
  database    = local.firestore_database
  collection  = each.value.collection
  query_scope = "COLLECTION"

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value[0]
      order      = fields.value[1]
    }
  }
}
