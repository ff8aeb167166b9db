package firestoretest_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/firestore/firestoretest"
)

var projectIDPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)

func TestProjectIDsDifferPerPackage(t *testing.T) {
	paths := []string{
		"valet.dev/valet/shared/firestore",
		"valet.dev/valet/shared/firestore_test",
		"valet.dev/valet/functions/jobs",
		"valet.dev/valet/functions/objects",
		"example.com/a/very/long/path/that/ends/in/functions/jobs",
		"valet.dev/valet/1/2",
		"",
	}
	seen := map[string]string{}
	for _, p := range paths {
		id := firestoretest.ProjectIDFor(p)
		require.Regexp(t, projectIDPattern, id, "path %q", p)
		require.LessOrEqual(t, len(id), 30)
		require.Equal(t, id, firestoretest.ProjectIDFor(p), "stable within a process")
		if prev, ok := seen[id]; ok {
			// Only a package and its external test package share one.
			require.Equal(t, strings.TrimSuffix(prev, "_test"), strings.TrimSuffix(p, "_test"))
		}
		seen[id] = p
	}
	require.Len(t, seen, len(paths)-1)
	require.Contains(t, firestoretest.ProjectIDFor("valet.dev/valet/functions/jobs"), "functions-jobs-")
}

func TestProjectIDIsTheCallingPackages(t *testing.T) {
	got := firestoretest.ProjectID(t)
	require.Equal(t, firestoretest.ProjectIDFor("valet.dev/valet/shared/firestore/firestoretest_test"), got)
	// From a closure too.
	func() { require.Equal(t, got, firestoretest.ProjectID(t)) }()
}

func TestNewAndReset(t *testing.T) {
	client := firestoretest.New(t)
	project := firestoretest.ProjectID(t)
	ctx := context.Background()
	_, err := client.Collection("things").Doc("a").Set(ctx, map[string]any{"n": 1})
	require.NoError(t, err)
	_, err = client.Collection("things").Doc("b").Collection("sub").Doc("c").Set(ctx, map[string]any{"n": 2})
	require.NoError(t, err)

	firestoretest.Reset(t, project)

	docs, err := client.Collection("things").Documents(ctx).GetAll()
	require.NoError(t, err)
	require.Empty(t, docs)
	docs, err = client.CollectionGroup("sub").Documents(ctx).GetAll()
	require.NoError(t, err)
	require.Empty(t, docs)
}
