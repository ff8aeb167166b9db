package main

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func notFound(err error) bool { return status.Code(err) == codes.NotFound }
