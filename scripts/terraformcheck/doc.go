// Package terraformcheck checks the Terraform root module in terraform/
// without a provider (none can be downloaded where the tests run, so
// `terraform validate` is out of reach; terraform/tests/policy.tftest.hcl
// holds the policy for `terraform test` where one is installed). Its tests
// parse every .tf file with hcl/v2 and assert what the Go code and a first
// apply rely on: every variable is documented and typed and its validations
// refuse inputs that cannot work, every function gets the environment
// shared/config reads, the six entry points are deployed, the Firestore
// composite indexes are declared, every resource waits for the APIs and the
// functions for IAM propagation, invokers follow policy/invokers.json,
// buckets are closed, and roles come from policy/iam.json, whose
// permissions are compared with the Google API calls each function's code
// can make (calls_test.go, permissions_test.go). Each policy check is shown
// catching a planted violation.
package terraformcheck
