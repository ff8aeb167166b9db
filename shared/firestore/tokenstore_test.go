package firestore_test

import (
	"testing"

	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/apitoken/tokentest"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
)

// TestTokenStoreConformance runs apitoken.Store's contract (tokentest)
// against the emulator: the rules of API tokens hold over what Firestore
// keeps.
func TestTokenStoreConformance(t *testing.T) {
	client := firestoretest.New(t)
	tokentest.Run(t, func(t *testing.T) apitoken.Store { return valetfs.NewTokenStore(client) })
}
