// Package policy holds the deployment rules that Terraform and the local
// stack must read from one source: who may invoke each function through
// Cloud Run's front door (invokers.json) and the CORS rules of the buckets
// and of the API (cors.json), and the IAM permissions each function's
// account holds (iam.json, checked against the Go code's Google API calls by
// scripts/terraformcheck). terraform/*.tf read the same files with
// jsondecode(file(...)), so the local stack cannot drift from a deployment.
package policy

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
)

//go:embed cors.json
var corsJSON []byte

//go:embed invokers.json
var invokersJSON []byte

// Caller groups named in invokers.json.
const (
	AllUsers    = "allUsers"    // anyone; the function authenticates the request
	Dispatchers = "dispatchers" // var.dispatcher_service_accounts
	Scheduler   = "scheduler"   // the Cloud Scheduler service account
	Eventarc    = "eventarc"    // the Eventarc trigger service account
)

// BucketCORS is the CORS configuration of both buckets, as GCS takes it.
type BucketCORS struct {
	Methods         []string `json:"methods"`
	ResponseHeaders []string `json:"responseHeaders"`
	MaxAgeSeconds   int      `json:"maxAgeSeconds"`
}

// APICORS is what the user-facing functions answer to a preflight.
type APICORS struct {
	Methods        []string `json:"methods"`
	RequestHeaders []string `json:"requestHeaders"`
	ExposeHeaders  []string `json:"exposeHeaders"`
	MaxAgeSeconds  int      `json:"maxAgeSeconds"`
}

// CORS is cors.json.
type CORS struct {
	Buckets BucketCORS `json:"buckets"`
	API     APICORS    `json:"api"`
}

// LoadCORS returns the CORS rules of cors.json.
func LoadCORS() CORS {
	var c CORS
	if err := json.Unmarshal(corsJSON, &c); err != nil {
		panic(fmt.Sprintf("policy: cors.json: %v", err))
	}
	return c
}

// Invokers maps each function name to the caller groups allowed through
// its front door.
type Invokers map[string][]string

// LoadInvokers returns invokers.json without its comment.
func LoadInvokers() Invokers {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(invokersJSON, &raw); err != nil {
		panic(fmt.Sprintf("policy: invokers.json: %v", err))
	}
	inv := Invokers{}
	for name, v := range raw {
		if name == "_comment" {
			continue
		}
		var groups []string
		if err := json.Unmarshal(v, &groups); err != nil {
			panic(fmt.Sprintf("policy: invokers.json %s: %v", name, err))
		}
		inv[name] = groups
	}
	return inv
}

// Public reports whether anyone may reach function through the front door.
func (inv Invokers) Public(function string) bool {
	for _, g := range inv[function] {
		if g == AllUsers {
			return true
		}
	}
	return false
}

// Functions returns the function names, sorted.
func (inv Invokers) Functions() []string {
	names := make([]string, 0, len(inv))
	for n := range inv {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

//go:embed iam.json
var iamJSON []byte

// Grantee of iam.json that is not a function: the URL signer's account.
const Signer = "signer"

// IAM is iam.json: per grantee (function name or Signer) and scope, the
// permissions its custom role holds.
type IAM struct {
	Scopes map[string]string              `json:"scopes"`
	Grants map[string]map[string][]string `json:"grants"`
}

// LoadIAM returns iam.json.
func LoadIAM() IAM {
	var p IAM
	if err := json.Unmarshal(iamJSON, &p); err != nil {
		panic(fmt.Sprintf("policy: iam.json: %v", err))
	}
	return p
}
