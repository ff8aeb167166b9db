# finalize: one function per bucket, both with entry point finalize, each
# with a gen2 Eventarc trigger on google.cloud.storage.object.v1.finalized.
# A storage trigger watches one bucket and must live in the bucket's region
# (trigger_region), hence two functions. Eventarc delivers at least once and
# retries for 24 h; finalize deduplicates on bucket/name/generation.
#
# On a fresh project the triggers wait for time_sleep.iam_propagation
# (apis.tf): the Eventarc and Cloud Storage service agents' grants must have
# propagated before a trigger can be created.

locals {
  finalize_buckets = {
    jobs    = google_storage_bucket.jobs
    objects = google_storage_bucket.objects
  }

  # The same keys without the buckets: service names and URLs need only
  # these, and the buckets' CORS needs the URLs (the console's origin).
  finalize_bucket_keys = ["jobs", "objects"]
}

resource "google_cloudfunctions2_function" "finalize" {
  for_each = local.finalize_buckets

  name        = local.services["finalize-${each.key}"].name
  location    = var.region
  description = "valet finalize for the ${each.key} bucket (storage events)"

  build_config {
    runtime         = var.runtime
    entry_point     = "finalize"
    service_account = local.build_service_account

    source {
      storage_source {
        bucket     = google_storage_bucket.source.name
        object     = google_storage_bucket_object.source.name
        generation = local.source_generation
      }
    }
  }

  service_config {
    min_instance_count             = 0
    max_instance_count             = var.max_instances
    available_memory               = var.function_memory
    timeout_seconds                = 60
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.function["finalize"].email

    environment_variables = merge(local.common_env, {
      VALET_FUNCTION_URL             = local.function_urls["finalize-${each.key}"]
      VALET_ALLOWED_SERVICE_ACCOUNTS = local.allowed_service_accounts["finalize"]
    })
  }

  event_trigger {
    trigger_region        = lower(each.value.location)
    event_type            = "google.cloud.storage.object.v1.finalized"
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.trigger.email

    event_filters {
      attribute = "bucket"
      value     = each.value.name
    }
  }

  depends_on = [
    google_project_service.apis,
    time_sleep.iam_propagation,
    google_project_iam_member.firestore,
    google_project_iam_member.grant,
    google_project_iam_member.job_secrets,
    google_project_iam_member.gcs_publisher,
    google_project_iam_member.trigger_receiver,
    google_secret_manager_secret_iam_member.grant,
    google_storage_bucket_iam_member.grant,
  ]
}
