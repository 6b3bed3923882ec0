// Package auth holds the identity and decision types shared by the
// apiserver's authentication, authorization, admission and audit layers and
// by the kubelet's API server (subpackages user, authenticator, authorizer),
// as k8s.io/apiserver's pkg/authentication and pkg/authorization.
package auth
