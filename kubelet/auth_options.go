package kubelet

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"minik8s/pkg/auth/authorizer"
)

// AuthOptions secure the kubelet API (Kubernetes' kubelet flags). Without
// a serving certificate the kubelet serves plain HTTP with no
// authentication (in-process tests); with one, every request is
// authenticated and authorized.
type AuthOptions struct {
	TLSCertFile       string // --tls-cert-file: serving certificate (SANs: the node IP and name)
	TLSPrivateKeyFile string // --tls-private-key-file
	ClientCAFile      string // --client-ca-file: client certificates it signed authenticate (CN user, O groups)
	AnonymousAuth     bool   // --anonymous-auth: requests without credentials are system:anonymous (else 401)
	// TokenWebhook (--authentication-token-webhook) checks bearer tokens
	// with TokenReviews, each answer cached for TokenWebhookCacheTTL.
	TokenWebhook         bool
	TokenWebhookCacheTTL time.Duration
	// AuthorizationMode (--authorization-mode) is AlwaysAllow or Webhook
	// (SubjectAccessReviews; allows cached for WebhookCacheAuthorizedTTL,
	// the rest for WebhookCacheUnauthorizedTTL).
	AuthorizationMode           string
	WebhookCacheAuthorizedTTL   time.Duration
	WebhookCacheUnauthorizedTTL time.Duration
}

// DefaultAuthOptions are Kubernetes' defaults, but anonymous requests are
// refused and tokens are checked.
func DefaultAuthOptions() AuthOptions {
	return AuthOptions{
		TokenWebhook:                true,
		TokenWebhookCacheTTL:        2 * time.Minute,
		AuthorizationMode:           "AlwaysAllow",
		WebhookCacheAuthorizedTTL:   5 * time.Minute,
		WebhookCacheUnauthorizedTTL: 30 * time.Second,
	}
}

// AddFlags registers the flags on fs.
func (o *AuthOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.TLSCertFile, "tls-cert-file", o.TLSCertFile, "serving certificate of the kubelet API (PEM); with it the kubelet serves only HTTPS and authenticates every request")
	fs.StringVar(&o.TLSPrivateKeyFile, "tls-private-key-file", o.TLSPrivateKeyFile, "private key of --tls-cert-file")
	fs.StringVar(&o.ClientCAFile, "client-ca-file", o.ClientCAFile, "CA bundle: a client certificate it signed authenticates as its CN (user) and O (groups)")
	fs.BoolVar(&o.AnonymousAuth, "anonymous-auth", o.AnonymousAuth, "requests without credentials are system:anonymous (false: 401 Unauthorized)")
	fs.BoolVar(&o.TokenWebhook, "authentication-token-webhook", o.TokenWebhook, "check bearer tokens with a TokenReview to the apiserver")
	fs.DurationVar(&o.TokenWebhookCacheTTL, "authentication-token-webhook-cache-ttl", o.TokenWebhookCacheTTL, "how long TokenReview answers are cached")
	fs.StringVar(&o.AuthorizationMode, "authorization-mode", o.AuthorizationMode, "AlwaysAllow (any authenticated caller) or Webhook (a SubjectAccessReview to the apiserver)")
	fs.DurationVar(&o.WebhookCacheAuthorizedTTL, "authorization-webhook-cache-authorized-ttl", o.WebhookCacheAuthorizedTTL, "how long an allowing SubjectAccessReview answer is cached")
	fs.DurationVar(&o.WebhookCacheUnauthorizedTTL, "authorization-webhook-cache-unauthorized-ttl", o.WebhookCacheUnauthorizedTTL, "how long a refusing SubjectAccessReview answer is cached")
}

// Validate checks the options.
func (o *AuthOptions) Validate() error {
	switch o.AuthorizationMode {
	case "AlwaysAllow", "Webhook":
	default:
		return fmt.Errorf("--authorization-mode %q: want AlwaysAllow or Webhook", o.AuthorizationMode)
	}
	if (o.TLSCertFile == "") != (o.TLSPrivateKeyFile == "") {
		return fmt.Errorf("--tls-cert-file and --tls-private-key-file go together")
	}
	if o.TLSCertFile == "" && o.ClientCAFile != "" {
		return fmt.Errorf("--client-ca-file needs --tls-cert-file")
	}
	return nil
}

// secure reports whether the kubelet API is served over TLS with auth.
func (o *AuthOptions) secure() bool { return o.TLSCertFile != "" }

// serverTLS is the kubelet API's TLS configuration: its certificate, and
// client certificates requested (verified by the authenticator, so that a
// token-only caller still connects and a wrong certificate is a 401).
func (o *AuthOptions) serverTLS() (*tls.Config, *x509.CertPool, error) {
	cert, err := tls.LoadX509KeyPair(o.TLSCertFile, o.TLSPrivateKeyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("kubelet serving certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	var pool *x509.CertPool
	if o.ClientCAFile != "" {
		pem, err := os.ReadFile(o.ClientCAFile)
		if err != nil {
			return nil, nil, fmt.Errorf("--client-ca-file: %w", err)
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("--client-ca-file %s: no certificate found", o.ClientCAFile)
		}
		cfg.ClientAuth = tls.RequestClientCert
	}
	return cfg, pool, nil
}

// newAuth builds the request guard; post reaches the apiserver.
func (o *AuthOptions) newAuth(nodeName string, clientCAs *x509.CertPool, post poster) *kubeletAuth {
	a := &kubeletAuth{nodeName: nodeName, clientCAs: clientCAs, anonymous: o.AnonymousAuth, authz: authorizer.AlwaysAllow}
	if o.TokenWebhook {
		a.tokens = newTokenWebhook(post, o.TokenWebhookCacheTTL)
	}
	if o.AuthorizationMode == "Webhook" {
		a.authz = newSARWebhook(post, o.WebhookCacheAuthorizedTTL, o.WebhookCacheUnauthorizedTTL)
	}
	return a
}
