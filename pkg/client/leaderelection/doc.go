// Package leaderelection elects one leader among several processes with a
// coordination.k8s.io/v1 Lease, as client-go's leaderelection: the holder
// renews the lease every RetryPeriod and gives up leading when it could
// not renew for RenewDeadline; the others take the lease over once they
// have seen it unchanged for LeaseDuration (measured on their own clock,
// so clock skew between machines does not matter).
package leaderelection
