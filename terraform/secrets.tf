# Secret Manager.
#
# The workflow signing-key secret is created here without any version: the
# ES256 key is generated and added by the bootstrap (README.md), so the
# private key never passes through Terraform state.
#
# Per-job secrets (valet-job-<id>-runtime, valet-job-<id>-workflow) are
# created by the functions at runtime. Creating a secret needs
# secretmanager.secrets.create on the project, which among predefined roles
# only roles/secretmanager.admin has, so custom roles grant exactly the
# permissions each function uses. Everything but create and list is granted
# with an IAM condition on the name prefix valet-job-; create and list are
# checked on the project, where no secret name exists to condition on.

locals {
  role_prefix = replace(var.name_prefix, "-", "_")

  # Resource names in IAM conditions use the project number.
  job_secret_prefix    = "projects/${data.google_project.this.number}/secrets/valet-job-"
  job_secret_condition = "resource.name.startsWith(\"${local.job_secret_prefix}\")"
}

resource "google_secret_manager_secret" "workflow_key" {
  secret_id = var.workflow_key_secret_id

  labels = {
    app  = "valet"
    kind = "signing-key"
  }

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

resource "google_project_iam_custom_role" "job_secret_creator" {
  role_id     = "${local.role_prefix}JobSecretCreator"
  title       = "valet per-job secret creator"
  description = "Create the per-job secrets valet-job-<id>-*. Checked on the project, so it cannot carry a name condition."
  permissions = ["secretmanager.secrets.create"]
}

resource "google_project_iam_custom_role" "job_secret_lister" {
  role_id     = "${local.role_prefix}JobSecretLister"
  title       = "valet per-job secret lister"
  description = "List secrets to find leftover per-job secrets (the sweep)."
  permissions = ["secretmanager.secrets.list"]
}

resource "google_project_iam_custom_role" "job_secret_writer" {
  role_id     = "${local.role_prefix}JobSecretWriter"
  title       = "valet per-job secret writer"
  description = "Add, destroy and delete versions and secrets; granted only with a condition on the valet-job- name prefix."
  permissions = [
    "secretmanager.secrets.get",
    "secretmanager.secrets.delete",
    "secretmanager.versions.add",
    "secretmanager.versions.get",
    "secretmanager.versions.list",
    "secretmanager.versions.destroy",
  ]
}

resource "google_project_iam_custom_role" "job_secret_reader" {
  role_id     = "${local.role_prefix}JobSecretReader"
  title       = "valet per-job secret reader"
  description = "Access per-job secret payloads; granted only with a condition on the valet-job- name prefix."
  permissions = ["secretmanager.versions.access"]
}

locals {
  # Which function holds which per-job secret right (docs/operations.md).
  job_secret_grants = {
    jobs     = ["creator", "writer"]
    dispatch = ["creator", "writer", "reader"]
    finalize = ["creator", "writer", "reader"]
    sweep    = ["lister", "writer"]
  }

  job_secret_roles = {
    creator = { role = google_project_iam_custom_role.job_secret_creator.id, conditional = false }
    lister  = { role = google_project_iam_custom_role.job_secret_lister.id, conditional = false }
    writer  = { role = google_project_iam_custom_role.job_secret_writer.id, conditional = true }
    reader  = { role = google_project_iam_custom_role.job_secret_reader.id, conditional = true }
  }

  job_secret_bindings = merge([
    for fn, kinds in local.job_secret_grants : {
      for kind in kinds : "${fn}-${kind}" => {
        function    = fn
        role        = local.job_secret_roles[kind].role
        conditional = local.job_secret_roles[kind].conditional
      }
    }
  ]...)

  # Every function that mints or verifies workflow and job tokens reads the
  # signing key's versions (access and list).
  signing_key_readers = toset(["jobs", "objects", "tokens", "dispatch", "finalize"])
}

resource "google_project_iam_member" "job_secrets" {
  for_each = local.job_secret_bindings

  project = var.project
  role    = each.value.role
  member  = google_service_account.function[each.value.function].member

  dynamic "condition" {
    for_each = each.value.conditional ? [1] : []
    content {
      title       = "valet-job-secrets-only"
      description = "Only the per-job secrets valet-job-<id>-*."
      expression  = local.job_secret_condition
    }
  }
}

resource "google_secret_manager_secret_iam_member" "workflow_key_accessor" {
  for_each = local.signing_key_readers

  secret_id = google_secret_manager_secret.workflow_key.id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.function[each.key].member
}

resource "google_secret_manager_secret_iam_member" "workflow_key_viewer" {
  for_each = local.signing_key_readers

  secret_id = google_secret_manager_secret.workflow_key.id
  role      = "roles/secretmanager.viewer"
  member    = google_service_account.function[each.key].member
}
