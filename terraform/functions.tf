# The HTTP functions. Cloud Functions (gen2) builds Go only from the module
# root, whose package imports every function; entry_point picks one. All of
# them are built from the same zip (buckets.tf).
#
# VALET_FUNCTION_URL is the function's own URL, the audience of the Google
# ID tokens dispatch and sweep accept. Taking it from the function resource
# would be a cycle (the URL exists only after the function, whose
# environment needs it), so it is the deterministic Cloud Run URL
# https://<service>-<project number>.<region>.run.app, known before the
# function exists: a gen2 function's service carries the function's name.
# Callers (dispatchers, the scheduler) must use this URL as their audience;
# the outputs list it.

locals {
  http_functions = {
    jobs = {
      timeout_seconds = 60
      ingress         = "ALLOW_ALL"
      callers         = []
    }
    objects = {
      timeout_seconds = 60
      ingress         = "ALLOW_ALL"
      callers         = []
    }
    tokens = {
      timeout_seconds = 60
      ingress         = "ALLOW_ALL"
      callers         = []
    }
    dispatch = {
      timeout_seconds = 60
      ingress         = "ALLOW_ALL"
      callers         = var.dispatcher_service_accounts
    }
    sweep = {
      timeout_seconds = 540
      # Cloud Scheduler does not count as internal traffic.
      ingress = "ALLOW_ALL"
      callers = [google_service_account.scheduler.email]
    }
  }

  function_service_names = merge(
    { for name in keys(local.http_functions) : name => "${var.name_prefix}-${name}" },
    { for bucket in keys(local.finalize_buckets) : "finalize-${bucket}" => "${var.name_prefix}-finalize-${bucket}" },
  )

  function_urls = {
    for name, service in local.function_service_names :
    name => "https://${service}-${data.google_project.this.number}.${var.region}.run.app"
  }

  token_issuer = var.token_issuer != "" ? var.token_issuer : local.function_urls["tokens"]
}

resource "google_cloudfunctions2_function" "http" {
  for_each = local.http_functions

  name        = local.function_service_names[each.key]
  location    = var.region
  description = "valet ${each.key} (HTTP)"

  build_config {
    runtime         = var.runtime
    entry_point     = each.key
    service_account = var.build_service_account

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    min_instance_count             = 0
    max_instance_count             = var.max_instances
    available_memory               = var.function_memory
    timeout_seconds                = each.value.timeout_seconds
    ingress_settings               = each.value.ingress
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.function[each.key].email

    environment_variables = {
      GOOGLE_CLOUD_PROJECT           = var.project
      VALET_JOBS_BUCKET              = google_storage_bucket.jobs.name
      VALET_OBJECTS_BUCKET           = google_storage_bucket.objects.name
      VALET_USER_ISSUERS             = var.user_issuers
      VALET_FUNCTION_URL             = local.function_urls[each.key]
      VALET_ALLOWED_SERVICE_ACCOUNTS = join(",", each.value.callers)
      VALET_SIGNER_EMAIL             = google_service_account.signer.email
      VALET_WORKFLOW_KEY_SECRET      = google_secret_manager_secret.workflow_key.secret_id
      VALET_TOKEN_ISSUER             = local.token_issuer
      VALET_WORKFLOW_AUDIENCE        = var.workflow_audience
      VALET_SPACE_QUOTA_BYTES        = tostring(var.space_quota_bytes)
    }
  }

  depends_on = [
    google_project_service.apis,
    google_project_iam_member.firestore,
    google_secret_manager_secret_iam_member.workflow_key_accessor,
  ]
}
