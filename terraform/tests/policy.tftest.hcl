# The deployment's policy, checked by `terraform test` against mocked
# providers (no Google account, nothing created): run `terraform init` and
# `terraform test` in terraform/ (README.md, "Checks"). The same rules are
# checked on the HCL alone by scripts/terraformcheck in `make test`.

# The provider validates IAM members and role names even when mocked, so
# accounts, roles and the project get values of the real shapes.
mock_provider "google" {
  mock_resource "google_service_account" {
    defaults = {
      email  = "valet-mock@valet-test-project.iam.gserviceaccount.com"
      member = "serviceAccount:valet-mock@valet-test-project.iam.gserviceaccount.com"
      id     = "projects/valet-test-project/serviceAccounts/valet-mock@valet-test-project.iam.gserviceaccount.com"
      name   = "projects/valet-test-project/serviceAccounts/valet-mock@valet-test-project.iam.gserviceaccount.com"
    }
  }
  mock_resource "google_project_iam_custom_role" {
    defaults = {
      id = "projects/valet-test-project/roles/valet_mock"
    }
  }
  mock_resource "google_secret_manager_secret" {
    defaults = {
      id = "projects/valet-test-project/secrets/valet-workflow-signing-key"
    }
  }
  mock_data "google_project" {
    defaults = {
      number = "123456789012"
    }
  }
  mock_data "google_storage_project_service_account" {
    defaults = {
      email_address = "service-123456789012@gs-project-accounts.iam.gserviceaccount.com"
      member        = "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com"
    }
  }
}

mock_provider "time" {}

variables {
  project                     = "valet-test-project"
  region                      = "europe-west1"
  source_archive              = "valet-source.zip"
  user_issuers                = [{ url = "https://accounts.google.com", audiences = ["client.apps.googleusercontent.com"] }]
  frontend_origins            = ["https://app.example.com", "http://localhost:5173"]
  dispatcher_service_accounts = ["dispatcher@valet-test-project.iam.gserviceaccount.com"]
}

run "deployment" {
  command = apply

  # Invokers: only the dispatchers reach dispatch; sweep and finalize are
  # not public; jobs, objects and tokens are (they authenticate themselves).
  assert {
    condition     = toset([for k, b in google_cloud_run_service_iam_member.invoker : b.member if startswith(k, "dispatch/")]) == toset(["serviceAccount:dispatcher@valet-test-project.iam.gserviceaccount.com"])
    error_message = "dispatch must be invokable by the dispatcher accounts only."
  }
  assert {
    condition     = alltrue([for k, b in google_cloud_run_service_iam_member.invoker : b.member != "allUsers" && b.member != "allAuthenticatedUsers" if !contains(["jobs", "objects", "tokens", "console"], split("/", k)[0])])
    error_message = "Only jobs, objects, tokens and the console may be public."
  }
  assert {
    condition     = contains(keys(google_cloud_run_service_iam_member.invoker), "jobs/allUsers")
    error_message = "jobs must be reachable by browsers and the CLI (it authenticates every request)."
  }

  # Ingress: only internal traffic reaches sweep (Cloud Scheduler) and
  # finalize (Eventarc).
  assert {
    condition     = google_cloudfunctions2_function.function["sweep"].service_config[0].ingress_settings == "ALLOW_INTERNAL_ONLY"
    error_message = "sweep must accept internal traffic only."
  }
  assert {
    condition     = alltrue([for k in ["finalize-jobs", "finalize-objects"] : google_cloudfunctions2_function.function[k].service_config[0].ingress_settings == "ALLOW_INTERNAL_ONLY"])
    error_message = "finalize must accept internal traffic only."
  }
  assert {
    condition = alltrue([for b in ["jobs", "objects"] :
      one([for f in google_cloudfunctions2_function.function["finalize-${b}"].event_trigger[0].event_filters : f.value if f.attribute == "bucket"]) == google_storage_bucket.bucket[b].name
    ]) && alltrue([for k, f in google_cloudfunctions2_function.function : length(f.event_trigger) == 0 if !startswith(k, "finalize-")])
    error_message = "Each finalize function gets its own bucket's storage events; the HTTP functions have no trigger."
  }

  # Buckets: closed to the public, no object ACLs, soft delete decided.
  assert {
    condition     = length(google_storage_bucket.bucket) == 3 && alltrue([for b in values(google_storage_bucket.bucket) : b.public_access_prevention == "enforced" && b.uniform_bucket_level_access])
    error_message = "Every bucket must enforce public access prevention and uniform bucket-level access."
  }
  assert {
    condition     = google_storage_bucket.bucket["jobs"].soft_delete_policy[0].retention_duration_seconds == 0 && google_storage_bucket.bucket["objects"].soft_delete_policy[0].retention_duration_seconds == 8 * 86400
    error_message = "Soft delete: none on the jobs bucket, 8 days on the objects bucket (README.md, Buckets)."
  }

  # Recovery: point-in-time recovery, a daily backup kept 7 days, and
  # deleted object bytes kept longer than both (docs/operations.md).
  assert {
    condition     = google_firestore_database.default.point_in_time_recovery_enablement == "POINT_IN_TIME_RECOVERY_ENABLED"
    error_message = "The database must keep point-in-time recovery on."
  }
  assert {
    condition     = google_firestore_backup_schedule.daily.retention == "604800s" && length(google_firestore_backup_schedule.daily.daily_recurrence) == 1 && google_firestore_backup_schedule.daily.database == "(default)"
    error_message = "A daily backup of the database in use, kept firestore_backup_retention_days (7)."
  }
  assert {
    condition     = google_storage_bucket.bucket["objects"].soft_delete_policy[0].retention_duration_seconds > 7 * 86400 && google_storage_bucket.bucket["objects"].soft_delete_policy[0].retention_duration_seconds > parseint(trimsuffix(google_firestore_backup_schedule.daily.retention, "s"), 10)
    error_message = "Deleted object bytes must stay restorable longer than the PITR window and the backups."
  }
  assert {
    condition     = alltrue([for f in values(google_cloudfunctions2_function.function) : f.service_config[0].environment_variables["VALET_FIRESTORE_DATABASE"] == "(default)"])
    error_message = "The functions use the database Terraform created unless a restore switched them."
  }
  assert {
    condition     = google_storage_bucket.bucket["jobs"].cors[0].origin == tolist(concat([output.console_url], var.frontend_origins))
    error_message = "Bucket CORS admits exactly the console, first, and the frontend origins."
  }
  assert {
    condition     = google_cloudfunctions2_function.function["jobs"].service_config[0].environment_variables["VALET_ALLOWED_ORIGINS"] == "${output.console_url},https://app.example.com,http://localhost:5173"
    error_message = "The API admits the frontend origins' preflights (VALET_ALLOWED_ORIGINS)."
  }

  # Signing: a custom role with signBlob only, for the URL-handing
  # functions; no token creator anywhere.
  assert {
    condition     = alltrue([for k in ["jobs_signer", "objects_signer", "dispatch_signer"] : toset(google_project_iam_custom_role.grant[k].permissions) == toset(["iam.serviceAccounts.signBlob"])])
    error_message = "jobs, objects and dispatch sign URLs with a role holding signBlob only."
  }
  assert {
    condition     = toset(keys(google_service_account_iam_member.grant)) == toset(["jobs_signer", "objects_signer", "dispatch_signer"])
    error_message = "Only jobs, objects and dispatch may sign as the signer (no signer_self, no other function)."
  }
  assert {
    condition     = alltrue([for r in google_project_iam_custom_role.grant : length(setintersection(toset(r.permissions), toset(["iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.getOpenIdToken", "iam.serviceAccounts.actAs", "iam.serviceAccounts.implicitDelegation"]))) == 0])
    error_message = "No role may let a function mint tokens as another account."
  }
  assert {
    condition     = !contains(keys(google_project_iam_custom_role.grant), "sweep_project") && !contains(flatten([for r in google_project_iam_custom_role.grant : r.permissions]), "secretmanager.secrets.list")
    error_message = "Nothing lists secrets any more: sweep holds no project-wide secret right."
  }

  # Data safety and builds.
  assert {
    condition     = google_secret_manager_secret.workflow_key.deletion_protection
    error_message = "The signing-key secret must be protected from deletion."
  }
  assert {
    condition     = google_storage_bucket.bucket["source"].versioning[0].enabled
    error_message = "The source bucket keeps earlier archives for rollbacks."
  }
  assert {
    condition     = alltrue([for f in values(google_cloudfunctions2_function.function) : f.build_config[0].service_account == google_service_account.account["build"].id && f.build_config[0].source[0].storage_source[0].generation == google_storage_bucket_object.source.generation])
    error_message = "Every function builds with the dedicated build account from the uploaded archive's generation."
  }
  assert {
    condition     = length(google_project_service.apis) == 14 && contains(keys(google_project_service.apis), "cloudresourcemanager.googleapis.com") && contains(keys(google_project_service.apis), "iam.googleapis.com")
    error_message = "Every API the module calls is enabled."
  }
}

run "rollback_is_one_variable" {
  command = apply

  variables {
    source_generation = 1700000000000001
  }

  assert {
    condition     = alltrue([for f in values(google_cloudfunctions2_function.function) : f.build_config[0].source[0].storage_source[0].generation == 1700000000000001])
    error_message = "source_generation must point every function at the earlier archive."
  }
}

run "empty_dispatcher_list_is_refused" {
  command = plan

  variables {
    dispatcher_service_accounts = []
  }

  expect_failures = [var.dispatcher_service_accounts]
}

run "no_dispatch_needs_no_dispatchers" {
  command = plan

  variables {
    dispatch_enabled            = false
    dispatcher_service_accounts = []
  }

  assert {
    condition     = !contains(keys(google_cloudfunctions2_function.function), "dispatch")
    error_message = "dispatch_enabled = false deploys no dispatch function."
  }
}

run "plain_http_origin_is_refused" {
  command = plan

  variables {
    frontend_origins = ["http://app.example.com"]
  }

  expect_failures = [var.frontend_origins]
}

run "plain_http_issuer_is_refused" {
  command = plan

  variables {
    user_issuers = [{ url = "http://accounts.google.com", audiences = ["x"] }]
  }

  expect_failures = [var.user_issuers]
}

run "restored_database_is_one_variable" {
  command = apply

  variables {
    firestore_database_id = "valet-restored-1"
  }

  assert {
    condition = alltrue([for f in values(google_cloudfunctions2_function.function) :
    f.service_config[0].environment_variables["VALET_FIRESTORE_DATABASE"] == "valet-restored-1"])
    error_message = "firestore_database_id must switch every function to the restored database."
  }
  assert {
    condition     = google_firestore_backup_schedule.daily.database == "valet-restored-1" && alltrue([for i in google_firestore_index.composite : i.database == "valet-restored-1"])
    error_message = "The backups and the indexes follow the database in use."
  }
}

run "soft_delete_shorter_than_backups_is_refused" {
  command = plan

  variables {
    objects_soft_delete_days        = 8
    firestore_backup_retention_days = 8
  }

  # Backups kept 8 days are refused first (7 at most); Terraform (1.11)
  # then does not evaluate objects_soft_delete_days' rule, which refers
  # to the refused value, so only the backups' variable reports.
  expect_failures = [var.firestore_backup_retention_days]
}

run "soft_delete_off_is_refused" {
  command = plan

  variables {
    objects_soft_delete_days = 0
  }

  expect_failures = [var.objects_soft_delete_days]
}
