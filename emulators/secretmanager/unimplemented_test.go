package secretmanager

import (
	"context"
	"testing"

	"cloud.google.com/go/iam/apiv1/iampb"
	"google.golang.org/grpc/codes"
)

func TestUnmodelledRPCsAreUnimplemented(t *testing.T) {
	e := startEmulator(t)
	secret := e.createSecret(t, "s", nil).GetName()
	_, err := e.client.GetIamPolicy(context.Background(), &iampb.GetIamPolicyRequest{Resource: secret})
	requireCode(t, err, codes.Unimplemented)
}
