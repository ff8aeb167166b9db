//go:build tools

// Package tools pins dependencies the project is about to use so that
// `go mod tidy` keeps them in go.mod while parallel work lands.
package tools

import (
	_ "cloud.google.com/go/firestore"
	_ "cloud.google.com/go/pubsub/v2"
	_ "cloud.google.com/go/pubsub/v2/pstest"
	_ "cloud.google.com/go/secretmanager/apiv1"
	_ "cloud.google.com/go/storage"
	_ "github.com/coreos/go-oidc/v3/oidc"
	_ "github.com/fsouza/fake-gcs-server/fakestorage"
	_ "github.com/go-jose/go-jose/v4"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/stretchr/testify/require"
	_ "google.golang.org/api/idtoken"
	_ "google.golang.org/grpc"
)
