# One runtime account per function (least privilege), the account that signs
# URLs, the account Eventarc uses to deliver storage events to finalize, and
# the account Cloud Scheduler uses to call sweep. Dispatchers are other
# systems: their accounts come in through var.dispatcher_service_accounts.

locals {
  function_names = toset(["jobs", "objects", "tokens", "dispatch", "finalize", "sweep"])
}

resource "google_service_account" "function" {
  for_each = local.function_names

  account_id   = "${var.name_prefix}-fn-${each.key}"
  display_name = "valet ${each.key} function"
  description  = "Runtime identity of the valet ${each.key} Cloud Function."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "signer" {
  account_id   = "${var.name_prefix}-signer"
  display_name = "valet URL signer"
  description  = "Signs V4 URLs for the jobs and objects buckets through IAM signBlob; holds the bucket rights those URLs use."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "trigger" {
  account_id   = "${var.name_prefix}-trigger"
  display_name = "valet storage trigger"
  description  = "Identity of the Eventarc triggers that deliver object-finalized events to the finalize functions."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "scheduler" {
  account_id   = "${var.name_prefix}-scheduler"
  display_name = "valet sweep scheduler"
  description  = "Identity of the Cloud Scheduler job that calls the sweep function with an OIDC token."

  depends_on = [google_project_service.apis]
}
