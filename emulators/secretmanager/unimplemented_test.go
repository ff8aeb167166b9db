package secretmanager

import (
	"testing"

	"cloud.google.com/go/iam/apiv1/iampb"
	"google.golang.org/grpc/codes"
)

func TestUnmodelledRPCsAreUnimplemented(t *testing.T) {
	e, secret := startWithSecret(t)
	_, err := e.client.GetIamPolicy(e.ctx, &iampb.GetIamPolicyRequest{Resource: secret})
	requireCode(t, err, codes.Unimplemented)
}
