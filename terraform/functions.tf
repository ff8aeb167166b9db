# The functions. Cloud Functions (gen2) builds Go only from the module root,
# whose package imports every function; entry_point picks one. All of them
# are built from the same archive (buckets.tf) by the build account
# (service_accounts.tf).
#
# VALET_FUNCTION_URL is the function's own URL, the audience of the Google
# ID tokens dispatch and sweep accept. Taking it from the function resource
# would be a cycle (the URL exists only after the function, whose
# environment needs it), so it is the deterministic Cloud Run URL
# https://<service>-<project number>.<region>.run.app, known before the
# function exists: a gen2 function's service carries the function's name.
# Callers (dispatchers, the scheduler) must use this URL as their audience;
# the outputs list it.
#
# finalize runs twice, once per bucket (both with entry point finalize),
# each with a gen2 Eventarc trigger on google.cloud.storage.object.v1.finalized:
# a storage trigger watches one bucket and must live in the bucket's region
# (trigger_region). Eventarc delivers at least once and retries for 24 h;
# finalize deduplicates on bucket/name/generation. On a fresh project every
# function waits for time_sleep.iam_propagation (apis.tf): the Eventarc and
# Cloud Storage service agents' grants must have propagated before a
# trigger can be created.
#
# To add an HTTP function: an entry in http_functions, its invokers in
# policy/invokers.json, its permissions (if any) in policy/iam.json.

locals {
  http_functions = {
    jobs = {
      timeout_seconds = 60
      ingress         = "ALLOW_ALL"
      deploy          = true
    }
    objects = {
      timeout_seconds = 60
      ingress         = "ALLOW_ALL"
      deploy          = true
    }
    tokens = {
      timeout_seconds = 60
      ingress         = "ALLOW_ALL"
      deploy          = true
    }
    # The web console: its files and /config.json (docs/console.md).
    console = {
      timeout_seconds = 60
      ingress         = "ALLOW_ALL"
      deploy          = true
    }
    dispatch = {
      timeout_seconds = 60
      ingress         = "ALLOW_ALL"
      deploy          = var.dispatch_enabled
    }
    sweep = {
      timeout_seconds = 540
      # Only Cloud Scheduler calls sweep, and Cloud Scheduler in the same
      # project counts as internal traffic for Cloud Run's ingress rules.
      ingress = "ALLOW_INTERNAL_ONLY"
      deploy  = true
    }
  }

  # The buckets finalize watches, one function each. Only their keys: the
  # service names and URLs need these, and the buckets' CORS needs the URLs
  # (the console's origin).
  finalize_bucket_keys = ["jobs", "objects"]

  # Cloud Run service key => the function (entry point) it runs, its name,
  # its settings and, for finalize, the bucket whose events it gets.
  services = merge(
    { for name, f in local.http_functions : name => {
      function = name, name = "${var.name_prefix}-${name}", timeout_seconds = f.timeout_seconds, ingress = f.ingress, bucket = null
    } if f.deploy },
    { for bucket in local.finalize_bucket_keys : "finalize-${bucket}" => {
      function = "finalize", name = "${var.name_prefix}-finalize-${bucket}", timeout_seconds = 60, ingress = "ALLOW_INTERNAL_ONLY", bucket = bucket
    } },
  )

  function_names = toset(distinct([for s in values(local.services) : s.function]))

  function_urls = {
    for key, s in local.services :
    key => "https://${s.name}-${data.google_project.this.number}.${var.region}.run.app"
  }

  token_issuer = var.token_issuer != "" ? var.token_issuer : local.function_urls["tokens"]

  # VALET_USER_ISSUERS as shared/config reads it.
  user_issuers_json = jsonencode([
    for i in var.user_issuers : merge(
      { url = i.url, audiences = i.audiences },
      i.jwks_url == null ? {} : { jwksUrl = i.jwks_url },
      i.client_ids == null ? {} : { clientIds = i.client_ids },
    )
  ])

  # Browser origins allowed to call the API (jobs, objects, tokens answer
  # their preflights) and to use signed URLs (bucket CORS): the console's
  # URL first when it is deployed, then var.frontend_origins.
  allowed_origins = concat(
    contains(keys(local.services), "console") ? [local.function_urls["console"]] : [],
    var.frontend_origins,
  )

  # What the console reads (functions/console/config.go): the API's URLs,
  # the issuer people sign in with and the console's client id there.
  console_env = {
    VALET_JOBS_URL          = local.function_urls["jobs"]
    VALET_OBJECTS_URL       = local.function_urls["objects"]
    VALET_TOKENS_URL        = local.function_urls["tokens"]
    VALET_CONSOLE_ISSUER    = var.console_issuer != "" ? var.console_issuer : var.user_issuers[0].url
    VALET_CONSOLE_CLIENT_ID = var.console_client_id != "" ? var.console_client_id : var.user_issuers[0].audiences[0]
  }

  # What every function reads (shared/config); each adds its own URL and
  # the service accounts it accepts.
  common_env = {
    GOOGLE_CLOUD_PROJECT       = var.project
    VALET_FIRESTORE_DATABASE   = local.firestore_database
    VALET_JOBS_BUCKET          = google_storage_bucket.bucket["jobs"].name
    VALET_OBJECTS_BUCKET       = google_storage_bucket.bucket["objects"].name
    VALET_USER_ISSUERS         = local.user_issuers_json
    VALET_SIGNER_EMAIL         = google_service_account.account["signer"].email
    VALET_WORKFLOW_KEY_SECRET  = google_secret_manager_secret.workflow_key.secret_id
    VALET_TOKEN_ISSUER         = local.token_issuer
    VALET_WORKFLOW_AUDIENCE    = var.workflow_audience
    VALET_SPACE_QUOTA_BYTES    = tostring(var.space_quota_bytes)
    VALET_ALLOWED_ORIGINS      = join(",", local.allowed_origins)
    VALET_AUDIT_RETENTION_DAYS = tostring(var.audit_retention_days)
  }

  allowed_service_accounts = {
    for name in local.function_names :
    name => join(",", flatten([for group in local.invokers[name] : local.caller_emails[group]]))
  }

  # The archive every function builds from: the uploaded one, or an earlier
  # generation to roll back to.
  source_generation = var.source_generation != null ? var.source_generation : google_storage_bucket_object.source.generation
}

resource "google_cloudfunctions2_function" "function" {
  for_each = local.services

  name        = each.value.name
  location    = var.region
  description = each.value.bucket == null ? "valet ${each.key} (HTTP)" : "valet finalize for the ${each.value.bucket} bucket (storage events)"

  build_config {
    runtime         = var.runtime
    entry_point     = each.value.function
    service_account = local.build_service_account

    source {
      storage_source {
        bucket     = google_storage_bucket.bucket["source"].name
        object     = google_storage_bucket_object.source.name
        generation = local.source_generation
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
    service_account_email          = google_service_account.function[each.value.function].email

    environment_variables = merge(local.common_env, {
      VALET_FUNCTION_URL             = local.function_urls[each.key]
      VALET_ALLOWED_SERVICE_ACCOUNTS = local.allowed_service_accounts[each.value.function]
    }, each.key == "console" ? local.console_env : {})
  }

  dynamic "event_trigger" {
    for_each = each.value.bucket == null ? [] : [google_storage_bucket.bucket[each.value.bucket]]
    content {
      trigger_region        = lower(event_trigger.value.location)
      event_type            = "google.cloud.storage.object.v1.finalized"
      retry_policy          = "RETRY_POLICY_RETRY"
      service_account_email = google_service_account.account["trigger"].email

      event_filters {
        attribute = "bucket"
        value     = event_trigger.value.name
      }
    }
  }

  # The wait comes after the APIs and the trigger and build grants.
  depends_on = [
    time_sleep.iam_propagation,
    google_project_iam_member.firestore,
    google_project_iam_member.grant,
    google_secret_manager_secret_iam_member.grant,
    google_service_account_iam_member.grant,
    google_storage_bucket_iam_member.grant,
  ]
}
