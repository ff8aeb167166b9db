// Package firestore is valet's thin layer over cloud.google.com/go/firestore:
// building a client, and running read-write transactions that ride out
// contention but never retry a decision the transaction itself made. The
// domain store adapters live beside it and use these helpers.
//
// # Emulator
//
// The switch to the local emulator is the standard FIRESTORE_EMULATOR_HOST
// environment variable (host:port), honoured by the Go client itself: when
// it is set, NewClient talks plain gRPC to that address without credentials,
// and any project id works (distinct ids are isolated from each other). The
// firestoretest subpackage gives each test package its own project.
//
// # Errors
//
// RunTransaction returns the function's own *apperr.Error unchanged and maps
// every other failure to an *apperr.Error (see RunTransaction). Firestore's
// gRPC status codes are read in transaction.go only; IsNotFound is the one
// code callers outside the package ask about (a missing document).
package firestore

import (
	"context"
	"errors"
	"fmt"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/option"
)

// EmulatorHostEnv is the environment variable the Go client reads to talk
// to the Firestore emulator instead of Google.
const EmulatorHostEnv = "FIRESTORE_EMULATOR_HOST"

// NewDatabaseClient returns a client for database (an id such as
// "(default)" or a database restored from a backup) of projectID; see
// NewClient.
func NewDatabaseClient(ctx context.Context, projectID, database string, opts ...option.ClientOption) (*firestore.Client, error) {
	if projectID == "" || database == "" {
		return nil, errors.New("firestore: a project id and a database id are required")
	}
	client, err := firestore.NewClientWithDatabase(ctx, projectID, database, opts...)
	if err != nil {
		return nil, fmt.Errorf("firestore: client for database %s of project %s: %w", database, projectID, err)
	}
	return client, nil
}

// NewClient returns a client for the (default) database of projectID. With
// FIRESTORE_EMULATOR_HOST set it talks to the emulator (see the package
// documentation); in Cloud Functions it uses the runtime's service account.
// The caller closes the client.
func NewClient(ctx context.Context, projectID string, opts ...option.ClientOption) (*firestore.Client, error) {
	if projectID == "" {
		return nil, errors.New("firestore: a project id is required")
	}
	client, err := firestore.NewClient(ctx, projectID, opts...)
	if err != nil {
		return nil, fmt.Errorf("firestore: client for project %s: %w", projectID, err)
	}
	return client, nil
}
