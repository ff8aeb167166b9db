# One runtime account per deployed function (least privilege), the account
# whose rights signed URLs use, the account Eventarc uses to deliver storage
# events to finalize, the account Cloud Scheduler uses to call sweep, and
# the account Cloud Build builds the functions with. Dispatchers are other
# systems: their accounts come in through var.dispatcher_service_accounts.

resource "google_service_account" "function" {
  for_each = local.function_names

  account_id   = "${var.name_prefix}-fn-${each.key}"
  display_name = "valet ${each.key} function"
  description  = "Runtime identity of the valet ${each.key} Cloud Function."

  depends_on = [google_project_service.apis]
}

locals {
  # The other accounts, by the suffix of their id.
  accounts = merge(
    {
      # No function runs as the signer: the URL-handing functions sign as it
      # through signBlob (iam.tf), and signed URLs act with its bucket rights.
      signer = {
        display_name = "valet URL signer"
        description  = "Signs V4 URLs for the jobs and objects buckets through IAM signBlob; holds the bucket rights those URLs use."
      }
      trigger = {
        display_name = "valet storage trigger"
        description  = "Identity of the Eventarc triggers that deliver object-finalized events to the finalize functions."
      }
      scheduler = {
        display_name = "valet sweep scheduler"
        description  = "Identity of the Cloud Scheduler job that calls the sweep function with an OIDC token."
      }
    },
    # Projects created since mid-2024 build functions with a default
    # account that may lack roles/cloudbuild.builds.builder, so valet brings
    # its own unless var.build_service_account names one.
    var.build_service_account != null ? {} : {
      build = {
        display_name = "valet function builds"
        description  = "Cloud Build identity that builds the valet functions from the source archive."
      }
    },
  )

  build_service_account = var.build_service_account != null ? var.build_service_account : google_service_account.account["build"].id
}

resource "google_service_account" "account" {
  for_each = local.accounts

  account_id   = "${var.name_prefix}-${each.key}"
  display_name = each.value.display_name
  description  = each.value.description

  depends_on = [google_project_service.apis]
}
