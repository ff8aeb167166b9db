//go:build sdk

// Built with -tags sdk, hello links the Google SDKs valet's functions need
// (Firestore, Secret Manager, ID tokens, IAM Credentials, Cloud Storage's
// JSON API, OIDC) and nothing of valet: their package initialisation is
// the part of a function's cold start valet cannot remove without
// dropping one (figure 4, docs/benchmarks.md).

package main

import (
	_ "cloud.google.com/go/firestore"
	_ "cloud.google.com/go/secretmanager/apiv1"
	_ "github.com/coreos/go-oidc/v3/oidc"
	_ "google.golang.org/api/iamcredentials/v1"
	_ "google.golang.org/api/idtoken"
	_ "google.golang.org/api/storage/v1"
)
