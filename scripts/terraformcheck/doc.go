// Package terraformcheck checks the Terraform root module in terraform/
// without a provider (none can be downloaded where the tests run, so
// `terraform validate` is out of reach): its tests parse every .tf file with
// hcl/v2 and assert what the Go code relies on: every variable is
// documented and typed, every function gets the environment shared/config
// reads, the six entry points are deployed, the Firestore composite indexes
// the stores query are declared, and `terraform fmt -check` passes when
// terraform is installed.
package terraformcheck
