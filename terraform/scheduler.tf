# Cloud Scheduler calls the sweep every five minutes with an OIDC token of
# the scheduler account; the audience is sweep's URL, which is also its
# VALET_FUNCTION_URL, and the account is the one name in sweep's
# VALET_ALLOWED_SERVICE_ACCOUNTS. A sweep pass is idempotent, so retries and
# an occasional overlap are harmless.

resource "google_cloud_scheduler_job" "sweep" {
  name             = "${var.name_prefix}-sweep"
  region           = var.region
  description      = "Expire stale uploads, requeue dead leases, time out jobs, destroy leftover secrets."
  schedule         = var.sweep_schedule
  time_zone        = var.scheduler_time_zone
  attempt_deadline = "540s"

  retry_config {
    retry_count = 0
  }

  http_target {
    uri         = local.function_urls["sweep"]
    http_method = "POST"

    oidc_token {
      service_account_email = google_service_account.account["scheduler"].email
      audience              = local.function_urls["sweep"]
    }
  }

  depends_on = [
    google_project_service.apis,
    google_cloud_run_service_iam_member.invoker,
  ]
}
