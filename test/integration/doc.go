// Package integration holds the apiserver integration tests: a real server
// on 127.0.0.1 with a real embedded etcd in a temporary directory
// (apiserver/testserver), driven with net/http.
package integration
