# Secret Manager.
#
# The workflow signing-key secret is created here without any version: the
# ES256 key is generated and added by the bootstrap (README.md), so the
# private key never passes through Terraform state. Losing it would
# invalidate every token in flight, so it has deletion protection like the
# database and the buckets.
#
# Per-job secrets (valet-job-<id>; valet-job-<id>-runtime and
# valet-job-<id>-workflow for jobs created before one secret per job) are
# created by the functions at runtime. Creating a secret needs
# secretmanager.secrets.create on the project, which among predefined roles
# only roles/secretmanager.admin has, so custom roles (iam.tf, from
# policy/iam.json) grant exactly the permissions each function uses.
# Everything but create is granted with an IAM condition on the name prefix
# valet-job-; create is checked on the project, where no secret name exists
# to condition on.

locals {
  # Resource names in IAM conditions use the project number.
  job_secret_prefix    = "projects/${data.google_project.this.number}/secrets/valet-job-"
  job_secret_condition = "resource.name.startsWith(\"${local.job_secret_prefix}\")"
}

resource "google_secret_manager_secret" "workflow_key" {
  secret_id           = var.workflow_key_secret_id
  deletion_protection = var.deletion_protection

  labels = {
    app  = "valet"
    kind = "signing-key"
  }

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

# The signing key: read its versions (mint and verify tokens, serve the
# JWKS), on that secret only.
resource "google_secret_manager_secret_iam_member" "grant" {
  for_each = local.grants_on["signingKey"]

  secret_id = google_secret_manager_secret.workflow_key.id
  role      = google_project_iam_custom_role.grant[each.key].id
  member    = local.grantee_members[each.value.grantee]
}
