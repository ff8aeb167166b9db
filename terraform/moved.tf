# Where resources moved when one resource with for_each took the place of
# several alike ones: an existing deployment keeps every object (terraform
# plan shows "has moved to", never a destroy). Keep these blocks: a
# deployment applied before the move still has the old addresses in its
# state. Moving an address that is not in the state does nothing.

# The HTTP functions and the two finalize functions (functions.tf).
moved {
  from = google_cloudfunctions2_function.http
  to   = google_cloudfunctions2_function.function
}

moved {
  from = google_cloudfunctions2_function.finalize["jobs"]
  to   = google_cloudfunctions2_function.function["finalize-jobs"]
}

moved {
  from = google_cloudfunctions2_function.finalize["objects"]
  to   = google_cloudfunctions2_function.function["finalize-objects"]
}

# The jobs, objects and source buckets (buckets.tf).
moved {
  from = google_storage_bucket.jobs
  to   = google_storage_bucket.bucket["jobs"]
}

moved {
  from = google_storage_bucket.objects
  to   = google_storage_bucket.bucket["objects"]
}

moved {
  from = google_storage_bucket.source
  to   = google_storage_bucket.bucket["source"]
}

# The signer, trigger, scheduler and build accounts (service_accounts.tf).
moved {
  from = google_service_account.signer
  to   = google_service_account.account["signer"]
}

moved {
  from = google_service_account.trigger
  to   = google_service_account.account["trigger"]
}

moved {
  from = google_service_account.scheduler
  to   = google_service_account.account["scheduler"]
}

moved {
  from = google_service_account.build[0]
  to   = google_service_account.account["build"]
}

# The per-job secret grants joined the other project grants (iam.tf).
moved {
  from = google_project_iam_member.job_secrets["jobs_jobSecrets"]
  to   = google_project_iam_member.grant["jobs_jobSecrets"]
}

moved {
  from = google_project_iam_member.job_secrets["dispatch_jobSecrets"]
  to   = google_project_iam_member.grant["dispatch_jobSecrets"]
}

moved {
  from = google_project_iam_member.job_secrets["finalize_jobSecrets"]
  to   = google_project_iam_member.grant["finalize_jobSecrets"]
}

moved {
  from = google_project_iam_member.job_secrets["sweep_jobSecrets"]
  to   = google_project_iam_member.grant["sweep_jobSecrets"]
}
