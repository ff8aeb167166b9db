# Project, bucket, secret and service-account IAM.
#
# policy/iam.json lists, per function (and for the signer's account) and per
# scope, the permissions its account needs; scripts/terraformcheck checks
# that list against the Go code's Google API calls. Each entry becomes one
# custom role holding exactly those permissions, bound on the scope's
# resource. Firestore and the build and trigger plumbing use predefined
# roles; invoker rights follow policy/invokers.json.

locals {
  iam_policy = jsondecode(file("${path.module}/policy/iam.json"))

  grantee_members = merge(
    { for name, sa in google_service_account.function : name => sa.member },
    { signer = google_service_account.account["signer"].member },
  )

  # "<grantee>_<scope>" => what one custom role holds and where it is bound;
  # functions that are not deployed get nothing.
  iam_grants = merge([
    for grantee, scopes in local.iam_policy.grants : {
      for scope, permissions in scopes : "${grantee}_${scope}" => {
        grantee     = grantee
        scope       = scope
        permissions = permissions
      } if length(permissions) > 0
    } if grantee == "signer" || contains(local.function_names, grantee)
  ]...)

  grants_on = {
    for scope in keys(local.iam_policy.scopes) : scope => {
      for key, g in local.iam_grants : key => g if g.scope == scope
    }
  }

  role_prefix = replace(var.name_prefix, "-", "_")

  # The bucket scopes of policy/iam.json => the bucket (buckets.tf).
  bucket_scopes = { jobsBucket = "jobs", objectsBucket = "objects" }
}

resource "google_project_iam_custom_role" "grant" {
  for_each = local.iam_grants

  role_id     = "${local.role_prefix}_${each.key}"
  title       = "valet ${each.value.grantee}: ${each.value.scope}"
  description = "Exactly what valet's ${each.value.grantee} account uses on ${local.iam_policy.scopes[each.value.scope]} (terraform/policy/iam.json)."
  permissions = each.value.permissions

  depends_on = [google_project_service.apis]
}

# On the project: creating secrets (checked on the project, where no secret
# name exists to condition on), and the per-job secrets, only names
# starting valet-job- (secrets.tf).
resource "google_project_iam_member" "grant" {
  for_each = merge(local.grants_on["project"], local.grants_on["jobSecrets"])

  project = var.project
  role    = google_project_iam_custom_role.grant[each.key].id
  member  = local.grantee_members[each.value.grantee]

  dynamic "condition" {
    for_each = each.value.scope == "jobSecrets" ? [1] : []
    content {
      title       = "valet-job-secrets-only"
      description = "Only the per-job secrets valet-job-<id>-*."
      expression  = local.job_secret_condition
    }
  }
}

resource "google_storage_bucket_iam_member" "grant" {
  for_each = merge([for scope in keys(local.bucket_scopes) : local.grants_on[scope]]...)

  bucket = google_storage_bucket.bucket[local.bucket_scopes[each.value.scope]].name
  role   = google_project_iam_custom_role.grant[each.key].id
  member = local.grantee_members[each.value.grantee]
}

# signBlob as the signer: the URL-handing functions sign V4 URLs without a
# key file. Nothing else (roles/iam.serviceAccountTokenCreator would also
# let them mint the signer's access and ID tokens and so use its bucket
# rights directly).
resource "google_service_account_iam_member" "grant" {
  for_each = local.grants_on["signer"]

  service_account_id = google_service_account.account["signer"].name
  role               = google_project_iam_custom_role.grant[each.key].id
  member             = local.grantee_members[each.value.grantee]
}

# Every function but the console (which serves files) keeps its state in
# Firestore.
resource "google_project_iam_member" "firestore" {
  for_each = setsubtract(local.function_names, ["console"])

  project = var.project
  role    = "roles/datastore.user"
  member  = google_service_account.function[each.key].member

  depends_on = [google_project_service.apis]
}

# The build account: build the functions, read the source archive.
resource "google_project_iam_member" "build" {
  count = var.build_service_account == null ? 1 : 0

  project = var.project
  role    = "roles/cloudbuild.builds.builder"
  member  = google_service_account.account["build"].member

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket_iam_member" "build_source" {
  count = var.build_service_account == null ? 1 : 0

  bucket = google_storage_bucket.bucket["source"].name
  role   = "roles/storage.objectViewer"
  member = google_service_account.account["build"].member
}

# Storage triggers: the Cloud Storage service agent publishes the events,
# the trigger account receives them and invokes finalize.
data "google_storage_project_service_account" "gcs" {
  project = var.project

  depends_on = [google_project_service.apis]
}

resource "google_project_iam_member" "gcs_publisher" {
  project = var.project
  role    = "roles/pubsub.publisher"
  member  = data.google_storage_project_service_account.gcs.member

  depends_on = [google_project_service.apis]
}

resource "google_project_iam_member" "trigger_receiver" {
  project = var.project
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.account["trigger"].member

  depends_on = [google_project_service.apis]
}

# Invokers: who may pass Cloud Run's front door of each function, from
# policy/invokers.json (the local stack's front door reads the same file).
# Gen2 functions are Cloud Run services: invoker rights are granted on the
# service, not with the cloudfunctions2 IAM resource.
#
# jobs, objects and tokens authenticate every request themselves (OIDC ID
# tokens of var.user_issuers, valet API tokens, job tokens; the JWKS is
# public), so Cloud Run lets everyone through. dispatch, sweep and finalize
# accept only their callers, at Cloud Run and (dispatch, sweep) again in the
# function (VALET_ALLOWED_SERVICE_ACCOUNTS).
locals {
  invokers = { for name, groups in jsondecode(file("${path.module}/policy/invokers.json")) : name => groups if name != "_comment" }

  # Caller group => binding key => member. Keys are known at plan time.
  caller_members = {
    allUsers    = { allUsers = "allUsers" }
    dispatchers = { for email in var.dispatcher_service_accounts : email => "serviceAccount:${email}" }
    scheduler   = { scheduler = google_service_account.account["scheduler"].member }
    eventarc    = { eventarc = google_service_account.account["trigger"].member }
  }

  # Caller group => the service-account emails a function checks itself.
  caller_emails = {
    allUsers    = []
    dispatchers = var.dispatcher_service_accounts
    scheduler   = [google_service_account.account["scheduler"].email]
    eventarc    = [google_service_account.account["trigger"].email]
  }

  invoker_bindings = merge(flatten([
    for service, s in local.services : [
      for group in local.invokers[s.function] : {
        for key, member in local.caller_members[group] : "${service}/${key}" => {
          service = service
          member  = member
        }
      }
    ]
  ])...)
}

resource "google_cloud_run_service_iam_member" "invoker" {
  for_each = local.invoker_bindings

  project  = var.project
  location = var.region
  service  = google_cloudfunctions2_function.function[each.value.service].name
  role     = "roles/run.invoker"
  member   = each.value.member
}
