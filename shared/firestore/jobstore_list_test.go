package firestore_test

import (
	"context"
	"encoding/base64"
	"testing"

	"cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// TestListQueryReadsOnlyItsPage: the one query a job list page sends is
// bounded by the page, whatever the number of jobs: a limit of the page
// plus one (to know whether a next page exists), no offset (Firestore
// reads, and bills, the documents an offset skips), the next page from
// the previous page's cursor, and the order of the composite indexes
// declared in terraform/firestore.tf (createdAt, id, both descending).
// No emulator: the query is built, never sent.
func TestListQueryReadsOnlyItsPage(t *testing.T) {
	client, err := firestore.NewClient(context.Background(), "p",
		option.WithEndpoint("127.0.0.1:1"), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	s := valetfs.NewJobStore(client)
	token := base64.RawURLEncoding.EncodeToString([]byte(`{"c":"2026-01-02T03:04:05Z","i":"` + string(ids.NewJobID()) + `"}`))

	for name, q := range map[string]job.Query{
		"one space":           {Owner: "u1", Projects: []ids.ProjectID{"p-1"}},
		"own jobs only":       {Owner: "u1"},
		"a project":           {Project: "p-1"},
		"a project, a state":  {Project: "p-1", State: job.Succeeded},
		"default page":        {Owner: "u1", PageSize: 0},
		"largest page":        {Owner: "u1", PageSize: job.MaxPageSize},
		"next page":           {Owner: "u1", Projects: []ids.ProjectID{"p-1", "p-2"}, PageToken: token},
		"next page, a state":  {Project: "p-1", State: job.Queued, PageSize: 7, PageToken: token},
		"every job, one page": {PageSize: 1},
	} {
		fq, size, err := s.ListQuery(q)
		require.NoError(t, err, name)
		wire, err := fq.Serialize()
		require.NoError(t, err, name)
		var req pb.RunQueryRequest
		require.NoError(t, proto.Unmarshal(wire, &req), name)
		sq := req.GetStructuredQuery()

		want := q.PageSize
		if want == 0 {
			want = job.DefaultPageSize
		}
		require.Equal(t, want, size, name)
		require.EqualValues(t, size+1, sq.GetLimit().GetValue(), "%s: the limit is the page plus one", name)
		require.Zero(t, sq.GetOffset(), "%s: no offset", name)
		var order []string
		for _, o := range sq.GetOrderBy() {
			order = append(order, o.GetField().GetFieldPath()+" "+o.GetDirection().String())
		}
		require.Equal(t, []string{"createdAt DESCENDING", "id DESCENDING"}, order, name)
		if q.PageToken == "" {
			require.Nil(t, sq.GetStartAt(), name)
		} else {
			require.NotNil(t, sq.GetStartAt(), "%s: the next page starts at the cursor", name)
			require.False(t, sq.GetStartAt().GetBefore(), "%s: after the previous page's last job", name)
		}
	}
}
