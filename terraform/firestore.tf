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
  # collection => index => its [field, order] pairs; the index's name says
  # which query needs it.
  firestore_collection_indexes = {
    jobs = {
      # jobstore_claim.go: state == QUEUED order by updatedAt (a claim's
      # first round); its later rounds (state == QUEUED order by __name__
      # from a random job id) use the automatic single-field index on state.
      claim = [["state", "ASCENDING"], ["updatedAt", "ASCENDING"]]
      # jobstore_list.go: personal jobs (owner == u AND project == "").
      list_owner       = [["owner", "ASCENDING"], ["project", "ASCENDING"], ["createdAt", "DESCENDING"], ["id", "DESCENDING"]]
      list_owner_state = [["owner", "ASCENDING"], ["project", "ASCENDING"], ["state", "ASCENDING"], ["createdAt", "DESCENDING"], ["id", "DESCENDING"]]
      # jobstore_list.go: project in [...] or project == p;
      # projectstore_jobs.go (project == p, state in [not final], the same
      # order) uses the second.
      list_project       = [["project", "ASCENDING"], ["createdAt", "DESCENDING"], ["id", "DESCENDING"]]
      list_project_state = [["project", "ASCENDING"], ["state", "ASCENDING"], ["createdAt", "DESCENDING"], ["id", "DESCENDING"]]
      # jobstore_list.go: state == s alone.
      list_state = [["state", "ASCENDING"], ["createdAt", "DESCENDING"], ["id", "DESCENDING"]]
      # jobstore_due.go: the sweep's four passes.
      due_upload   = [["state", "ASCENDING"], ["uploadDeadline", "ASCENDING"]]
      due_lease    = [["state", "ASCENDING"], ["lock.leaseExpiresAt", "ASCENDING"]]
      due_deadline = [["state", "ASCENDING"], ["deadline", "ASCENDING"]]
      due_secrets  = [["state", "ASCENDING"], ["secretsHeld", "ASCENDING"], ["finishedAt", "ASCENDING"]]
    }
    objects = {
      # objectstore_list.go: space == s AND state in [...] (name >= prefix)
      # order by name, id.
      list = [["space", "ASCENDING"], ["state", "ASCENDING"], ["name", "ASCENDING"], ["id", "ASCENDING"]]
      # objectstore_list.go: state == PENDING AND uploadDeadline <= now.
      due_upload = [["state", "ASCENDING"], ["uploadDeadline", "ASCENDING"]]
    }
  }

  # "<collection>_<index>" => the index (the instance keys of
  # google_firestore_index.composite).
  firestore_indexes = merge([
    for collection, indexes in local.firestore_collection_indexes : {
      for name, fields in indexes : "${collection}_${name}" => { collection = collection, fields = fields }
    }
  ]...)
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
