// Package dns is minik8s's cluster DNS server (the `minik8s dns` add-on,
// deployed as kube-system/kube-dns at 10.96.0.10 as kubeadm deploys
// CoreDNS). It follows the Kubernetes DNS specification
// (github.com/kubernetes/dns docs/specification.md) and the behaviour of
// CoreDNS's kubernetes plugin with `pods insecure`:
//
//   - Services: A/AAAA <svc>.<ns>.svc.<zone> (the cluster IPs; for a
//     headless Service every ready endpoint), SRV for every port and for
//     named ports _<port>._<proto>.<svc>.<ns>.svc.<zone>, PTR for cluster
//     IPs, CNAME for ExternalName Services;
//   - endpoints: <hostname or a-b-c-d>.<svc>.<ns>.svc.<zone> and their PTR;
//   - pods: A a-b-c-d.<ns>.pod.<zone> for any address in an existing
//     namespace, PTR of pod IPs not behind a Service to that name;
//   - Ingress hosts (beyond Kubernetes): each rule's host answers with the
//     addresses in the Ingress's status.loadBalancer (see docs/dns.md);
//   - NXDOMAIN versus NODATA (NOERROR with the SOA) as an authoritative
//     server answers them, TTL 5 s, dns-version TXT;
//   - everything else is forwarded to the upstream resolvers with a short
//     timeout (SERVFAIL when none answers) and cached.
//
// Answers for cluster names come from an immutable Snapshot built from the
// informers' caches (Build, a pure function) and swapped atomically after
// every change (debounced), so the query path takes no lock.
package dns
