//go:build tools

// Package tools pins the Pulumi CLI this project's real runs use: `go build` of the import below, at the
// version go.mod requires, is the whole CLI (toolchain/pulumi.sh).
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
