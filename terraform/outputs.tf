# What callers and operators need after an apply.

output "function_urls" {
  description = "URL of each function (deterministic Cloud Run URLs). dispatch and sweep callers use theirs as the ID token audience."
  value       = local.function_urls
}

output "cloudfunctions_urls" {
  description = "The cloudfunctions.net URLs Google reports for the HTTP functions (same services)."
  value       = { for key, fn in google_cloudfunctions2_function.function : key => fn.url if local.services[key].bucket == null }
}

output "console_url" {
  description = "The web console; register <console_url>/callback.html as the console client's redirect URI at the issuer."
  value       = local.function_urls["console"]
}

output "token_issuer" {
  description = "iss of the workflow and job tokens; the JWKS is at <tokens URL>/.well-known/jwks.json."
  value       = local.token_issuer
}

output "buckets" {
  description = "Names of the jobs, objects and source buckets."
  value = {
    jobs    = google_storage_bucket.bucket["jobs"].name
    objects = google_storage_bucket.bucket["objects"].name
    source  = google_storage_bucket.bucket["source"].name
  }
}

output "service_accounts" {
  description = "Emails of the function runtime accounts, the signer, the trigger, the scheduler and the build accounts."
  value = merge(
    { for name, sa in google_service_account.function : name => sa.email },
    { for key, sa in google_service_account.account : key => sa.email },
    var.build_service_account != null ? { build = var.build_service_account } : {},
  )
}

output "workflow_key_secret" {
  description = "Secret Manager secret id of the workflow signing key; add its first version with the bootstrap (README.md)."
  value       = google_secret_manager_secret.workflow_key.secret_id
}

output "source_object" {
  description = "The source archive object the functions build from."
  value       = "gs://${google_storage_bucket.bucket["source"].name}/${google_storage_bucket_object.source.name}"
}

output "source_generation" {
  description = "Generation of the source archive the functions build from: note it before deploying new code, and set var.source_generation to it to roll back."
  value       = local.source_generation
}

output "cli_stack" {
  description = "A stack description for the valet CLI and worker (the shape of the local stack's .dev/stack.json: function URLs and dispatcher accounts): terraform output -raw cli_stack > valet.json, then VALET_STACK=valet.json."
  value = jsonencode({
    functions   = local.function_urls
    dispatchers = var.dispatcher_service_accounts
  })
}
